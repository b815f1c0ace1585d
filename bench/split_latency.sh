#!/usr/bin/env bash
# End-to-end latency of replay → split: from the instant `timecast replay`
# hands a row to its producer (its timecast.sent trace header) to the instant
# the routed record is visible to a read_committed consumer of the start/end
# topics (bench/e2e_latency.cpp), at a paced 20,000 records/s.
#
# First an unmeasured pass (the same paced replay through `timecast split`)
# warms the broker up: a fresh broker's JIT compiler and heap sizing take most
# of a minute at this load, and would otherwise count against whichever
# splitter is measured first.
#
# Then the floor: the same paced replay read directly by the observer, no
# splitter in between ("no-split").
#
# Then, for each splitter in turn — `timecast split` at several
# --commit-interval values, once at-least-once (no transactions: what
# exactly-once costs), and the Kafka Streams peer
# (bench/peers/kafka-streams, exactly_once_v2) at its commit.interval.ms, as
# is and with producer.linger.ms=5 like timecast's producer — on
# fresh topics (input 3 partitions keyed by ID; start/end/dlq 3 partitions each):
#   1. start the observer, then the splitter;
#   2. replay a 100,000-record warm-up at top speed and wait until it has come
#      out the other side (the splitter has joined its group, and a JVM
#      splitter has compiled its hot paths);
#   3. replay `--rate 20000 --runtime $RUNTIME --trace-headers`: only these
#      records are measured.
# Exactly-once output is checked by counting both output topics read_committed.
# Each run also reports the broker's GC pauses during its measured replay.
#
# Usage: bench/split_latency.sh [--quick]
#   env: RUNTIME=30s (--quick: 10s), INTERVALS="100ms 50ms 20ms" (timecast's),
#        ALO_INTERVAL=20ms (the at-least-once run's; empty for none), WARMUP=30s,
#        STREAMS_INTERVALS="100" (ms; empty for none), and lib.sh's TIMECAST_BENCH_DIR / TIMECAST_BENCH_PORT.
runtime=${RUNTIME:-30s}
case "${1:-}" in
  "") ;;
  --quick) runtime=${RUNTIME:-10s} ;;
  *) sed -n '2,/^runtime=/{/^runtime=/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rate=20000
intervals=(${INTERVALS:-100ms 50ms 20ms})
alo_intervals=(${ALO_INTERVAL-20ms})
warmup=${WARMUP:-30s}
streams_intervals=(${STREAMS_INTERVALS-100})
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

warmup_records=100000
warmup_data=$(bench_dataset $((warmup_records / 2)))
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
  while (( $(committed "$brokers" "$start") + $(committed "$brokers" "$end") < warmup_records )); do
    sleep 0.5
    if (( ++waited > 120 )); then note "$name: the warm-up never came through"; break; fi
  done
  local gc_start
  gc_start=$(gc_mark)
  "$timecast" replay "$data" --rate "$rate" --runtime "$run_for" --trace-headers -b "$brokers" \
    -t "$in" --key ID -q --stats-json "$prefix.replay.json"
  local gc
  gc=$(gc_pauses "$gc_start")
  wait "$observer_pid" || note "$name: the observer failed: $(cat "$prefix.observer.err")"
  kill -TERM "$split_pid" 2>/dev/null || true
  wait "$split_pid" || true
  local sent landed
  sent=$(jq '.rows_sent' "$prefix.replay.json")
  landed=$(( $(committed "$brokers" "$start") + $(committed "$brokers" "$end") - warmup_records ))
  jq -r --arg name "$name" --argjson sent "$sent" --argjson landed "$landed" --arg gc "$gc" \
    '"\($name) \($sent) \($landed) \(.latency_ms.p50) \(.latency_ms.p99) \(.latency_ms.p999) \(.latency_ms.max) \($gc)"' \
    "$prefix.latency.json"
}

# timecast_split NAME INTERVAL [SPLIT-ARGS...] — one measured run of timecast split.
timecast_split() {
  local name=$1 interval=$2; shift 2
  local tag="$name-$RANDOM"
  local in="lat-$tag" start="lat-$tag-start" end="lat-$tag-end" dlq="lat-$tag-dlq"
  for t in "$in" "$start" "$end" "$dlq"; do create_topic "$brokers" "$t" 3; done
  run_one "$name" "$in" "$start" "$end" \
    "$timecast" split --from "$in" --route "Event=Start:$start" --route "Event=End:$end" \
    --dead-letter "$dlq" --group "split-$tag" -b "$brokers" --commit-interval "$interval" -q \
    --stats-json "$out/$name.split.json" "$@"
}

# direct_run — the floor under every splitter: the observer reads the input
# topic itself (the same paced replay and broker, no splitter in between).
direct_run() {
  local in="lat-direct-$RANDOM" prefix="$out/no-split"
  create_topic "$brokers" "$in" 3
  "$observer" -b "$brokers" -t "$in" --idle 30s --json "$prefix.latency.json" \
    >/dev/null 2>"$prefix.observer.err" &
  local observer_pid=$! gc_start gc
  gc_start=$(gc_mark)
  "$timecast" replay "$data" --rate "$rate" --runtime "$run_for" --trace-headers -b "$brokers" \
    -t "$in" --key ID -q --stats-json "$prefix.replay.json"
  gc=$(gc_pauses "$gc_start")
  wait "$observer_pid" || note "no-split: the observer failed: $(cat "$prefix.observer.err")"
  local sent landed
  sent=$(jq '.rows_sent' "$prefix.replay.json")
  landed=$(jq '.latency_ms.count' "$prefix.latency.json")
  jq -r --argjson sent "$sent" --argjson landed "$landed" --arg gc "$gc" \
    '"no-split \($sent) \($landed) \(.latency_ms.p50) \(.latency_ms.p99) \(.latency_ms.p999) \(.latency_ms.max) \($gc)"' \
    "$prefix.latency.json"
}

note "warming the broker up: $warmup of the paced replay through timecast split (not measured)"
run_for=$warmup timecast_split warmup 100ms >/dev/null
rm -f "$out"/warmup.*
run_for=$runtime

{
  printf '%-22s %9s %9s %9s %9s %9s %9s %9s %9s\n' splitter sent landed p50_ms p99_ms p99.9_ms max_ms \
    gc_pauses gc_max_ms
  {
    direct_run
    for interval in "${intervals[@]}"; do timecast_split "timecast-$interval" "$interval"; done
    for interval in "${alo_intervals[@]}"; do
      timecast_split "timecast-alo-$interval" "$interval" --guarantee at-least-once
    done
    for interval in "${streams_intervals[@]}"; do
      # As users run it, then with its producer's linger.ms (Streams' default
      # 100) at librdkafka's 5 ms, the value timecast split runs with.
      for variant in "" "-linger5"; do
        tag="kafka-streams-$interval$variant-$RANDOM"
        in="lat-$tag" start="lat-$tag-start" end="lat-$tag-end" dlq="lat-$tag-dlq"
        for t in "$in" "$start" "$end" "$dlq"; do create_topic "$brokers" "$t" 3; done
        tuning=()
        [[ -n $variant ]] && tuning=(--config producer.linger.ms=5)
        run_one "kafka-streams-${interval}ms$variant" "$in" "$start" "$end" \
          java -jar "$jar" --bootstrap "$brokers" --from "$in" --route "Event=Start:$start" \
          --route "Event=End:$end" --dead-letter "$dlq" --application-id "split-$tag" \
          --guarantee exactly_once_v2 --commit-interval-ms "$interval" --until-idle-ms 600000 \
          --state-dir "$out/streams-state" "${tuning[@]}"
      done
    done
  } | awk '{ check = ($2 == $3) ? "" : "  MISMATCH"
               printf "%-22s %9d %9d %9.2f %9.2f %9.2f %9.2f %9d %9.1f%s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, check }'
} | tee "$out/results.txt"
# Results for docs/BENCHMARKS.md: $out/results.json and fragment.md (bench/report.py reads results.txt).
bench_report split-latency "$out" runtime="$runtime" rate="$rate" accidents="${ACCIDENTS:-2845342}"
