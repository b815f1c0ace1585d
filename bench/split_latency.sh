#!/usr/bin/env bash
# End-to-end latency of replay → split: from the instant `timecast replay`
# hands a row to its producer (its timecast.sent trace header) to the instant
# the routed record is visible to a read_committed consumer of the start/end
# topics (bench/e2e_latency.cpp), at a paced 20,000 records/s.
#
# For each splitter in turn — `timecast split` at several --commit-interval
# values, and the Kafka Streams peer (bench/peers/kafka-streams,
# exactly_once_v2) at its commit.interval.ms — on fresh topics (input 3
# partitions keyed by ID; start/end/dlq 3 partitions each):
#   1. start the observer, then the splitter;
#   2. replay a 2,000-record warm-up at top speed and wait until it has come
#      out the other side (the splitter has joined its group and is running);
#   3. replay `--rate 20000 --runtime $RUNTIME --trace-headers`: only these
#      records are measured.
# Exactly-once output is checked by counting both output topics read_committed.
#
# Usage: bench/split_latency.sh [--quick]
#   env: RUNTIME=30s (--quick: 10s), INTERVALS="100ms 50ms 20ms" (timecast's),
#        STREAMS_INTERVALS="100" (ms), and lib.sh's TIMECAST_BENCH_DIR / TIMECAST_BENCH_PORT.
runtime=${RUNTIME:-30s}
case "${1:-}" in
  "") ;;
  --quick) runtime=${RUNTIME:-10s} ;;
  *) sed -n '2,/^runtime=/{/^runtime=/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rate=20000
intervals=(${INTERVALS:-100ms 50ms 20ms})
streams_intervals=(${STREAMS_INTERVALS:-100})
out="$work/split_latency"
mkdir -p "$out"
rm -f "$out"/*.json
observer="$build/bench/e2e_latency"

peer="$root/bench/peers/kafka-streams"
jar="$peer/target/kafka-streams-split.jar"
if [[ ! -f "$jar" || -n "$(find "$peer/pom.xml" "$peer/src" -newer "$jar" -print -quit)" ]]; then
  note "building the Kafka Streams peer ($jar)"
  mkdir -p "$peer/target"
  mvn -q -B -Dstyle.color=never -f "$peer/pom.xml" package >"$peer/target/build.log" 2>&1 \
    || { tail -n 30 "$peer/target/build.log" >&2; exit 1; }
fi

warmup_data=$(bench_dataset 1000)  # 2,000 records
data=$(bench_dataset "${ACCIDENTS:-2845342}")
bench_broker

committed() { # BROKERS TOPIC
  kcat -b "$1" -C -t "$2" -e -q -X isolation.level=read_committed -f 'x\n' | wc -l
}

# run_one NAME SPLITTER-COMMAND... (the command gets --from/routes appended by the caller)
run_one() {
  local name=$1 in=$2 start=$3 end=$4; shift 4
  local prefix="$out/$name"
  "$observer" -b "$brokers" -t "$start" -t "$end" --idle 30s --json "$prefix.latency.json" \
    >/dev/null 2>"$prefix.observer.err" &
  local observer_pid=$!
  "$@" >/dev/null 2>"$prefix.split.err" &
  local split_pid=$!
  "$timecast" replay "$warmup_data" --topspeed -b "$brokers" -t "$in" --key ID -q
  local waited=0
  while (( $(committed "$brokers" "$start") + $(committed "$brokers" "$end") < 2000 )); do
    sleep 0.5
    if (( ++waited > 120 )); then note "$name: the warm-up never came through"; break; fi
  done
  "$timecast" replay "$data" --rate "$rate" --runtime "$runtime" --trace-headers -b "$brokers" \
    -t "$in" --key ID -q --stats-json "$prefix.replay.json"
  wait "$observer_pid" || note "$name: the observer failed: $(cat "$prefix.observer.err")"
  kill -TERM "$split_pid" 2>/dev/null || true
  wait "$split_pid" || true
  local sent landed
  sent=$(jq '.rows_sent' "$prefix.replay.json")
  landed=$(( $(committed "$brokers" "$start") + $(committed "$brokers" "$end") - 2000 ))
  jq -r --arg name "$name" --argjson sent "$sent" --argjson landed "$landed" \
    '"\($name) \($sent) \($landed) \(.latency_ms.p50) \(.latency_ms.p99) \(.latency_ms.p999) \(.latency_ms.max)"' \
    "$prefix.latency.json"
}

{
  printf '%-22s %9s %9s %9s %9s %9s %9s\n' splitter sent landed p50_ms p99_ms p99.9_ms max_ms
  runs=()
  for interval in "${intervals[@]}"; do runs+=("timecast:$interval"); done
  for interval in "${streams_intervals[@]}"; do runs+=("kafka-streams:$interval"); done
  for run in "${runs[@]}"; do
    tool=${run%%:*} interval=${run#*:}
    tag="$tool-$interval-$RANDOM"
    in="lat-$tag" start="lat-$tag-start" end="lat-$tag-end" dlq="lat-$tag-dlq"
    for t in "$in" "$start" "$end" "$dlq"; do create_topic "$brokers" "$t" 3; done
    routes=(--route "Event=Start:$start" --route "Event=End:$end" --dead-letter "$dlq")
    if [[ $tool == timecast ]]; then
      run_one "timecast-$interval" "$in" "$start" "$end" \
        "$timecast" split --from "$in" "${routes[@]}" --group "split-$tag" -b "$brokers" \
        --commit-interval "$interval" -q --stats-json "$out/timecast-$interval.split.json"
    else
      run_one "kafka-streams-${interval}ms" "$in" "$start" "$end" \
        java -jar "$jar" --bootstrap "$brokers" --from "$in" "${routes[@]}" \
        --application-id "split-$tag" --guarantee exactly_once_v2 --commit-interval-ms "$interval" \
        --until-idle-ms 600000 --state-dir "$out/streams-state"
    fi
  done | awk '{ check = ($2 == $3) ? "" : "  MISMATCH"
               printf "%-22s %9d %9d %9.2f %9.2f %9.2f %9.2f%s\n", $1, $2, $3, $4, $5, $6, $7, check }'
} | tee "$out/results.txt"
# Results for docs/BENCHMARKS.md: $out/results.json and fragment.md (bench/report.py reads results.txt).
bench_report split-latency "$out" runtime="$runtime" rate="$rate" accidents="${ACCIDENTS:-2845342}"
