#!/usr/bin/env bash
# Splitting a topic: `timecast split` vs the Kafka Streams app the prototype
# planned to use (bench/peers/kafka-streams), side by side on one broker.
#
# The input topic (3 partitions, key = ID) is filled once with
# `timecast replay --topspeed`: every accident gives a "Start" and an "End"
# event, ~1 KB of JSON each. Each peer then reads that same topic from the
# beginning with a fresh group / application id and routes every record by its
# top-level "Event" field to <out>-start / <out>-end (3 partitions each;
# anything else to <out>-dlq), exactly once (transactions committed every
# 100 ms), and exits after 5 s without input. Then the script checks, reading
# read_committed, that the outputs hold exactly the input.
#
#   Kafka Streams  exactly_once_v2, commit.interval.ms=100, 1 stream thread,
#                  Streams' client defaults otherwise (its producer linger.ms=100,
#                  consumer max.poll.records=1000); byte[] serdes, the routing
#                  field found with Jackson's streaming parser, which stops at it.
#                  JVM defaults unless STREAMS_JAVA_OPTS is set (e.g. -Xmx256m);
#                  STREAMS_CONFIG="k=v ..." adds Streams/client properties
#                  (e.g. producer.batch.size=262144).
#   timecast       `timecast split ... --until-idle 5s` with its defaults
#                  (librdkafka; producer linger.ms=5).
#
# "seconds" is the peer's own first-to-last-record time (startup and the idle
# wait excluded); "wall" is the whole process under /usr/bin/time, which also
# gives the peak RSS and the CPU time (user + system, all threads, startup
# included; less sensitive than records/s to other load on the machine).
# The peers take turns at going first, run by run.
#
# Usage: bench/split_vs_streams.sh [--quick]
#   env: RUNS=1, ACCIDENTS=2845342 (--quick: 100000), STREAMS_JAVA_OPTS, STREAMS_CONFIG,
#        KEEP_TOPICS=1 (don't delete each run's output topics after checking them),
#        and lib.sh's TIMECAST_BENCH_DIR / TIMECAST_BENCH_PORT.
# Results: a table on stdout, $work/split_vs_streams/results.json and fragment.md;
# exit 1 when an output did not hold exactly the input.
accidents=${ACCIDENTS:-2845342}
runs=${RUNS:-1}
case "${1:-}" in
  "") ;;
  --quick) accidents=${ACCIDENTS:-100000} ;;
  *) sed -n '2,/^accidents=/{/^accidents=/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

idle_s=5
out="$work/split_vs_streams"
mkdir -p "$out"
read -ra java_opts <<<"${STREAMS_JAVA_OPTS:-}"
streams_config=()
for kv in ${STREAMS_CONFIG:-}; do streams_config+=(--config "$kv"); done

die() { note "$*"; exit 1; }

# --- the Kafka Streams peer: (re)build the fat jar when its sources changed ---
peer="$root/bench/peers/kafka-streams"
jar="$peer/target/kafka-streams-split.jar"
if [[ ! -f "$jar" || -n "$(find "$peer/pom.xml" "$peer/src" -newer "$jar" -print -quit)" ]]; then
  note "building the Kafka Streams peer ($jar)"
  mkdir -p "$peer/target"
  # (Debian's maven 3.8 prints stray ANSI resets even with -q -B: keep a log.)
  if ! mvn -q -B -Dstyle.color=never -f "$peer/pom.xml" package >"$peer/target/build.log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$peer/target/build.log" | tail -n 30 >&2
    die "building the Kafka Streams peer failed (log: $peer/target/build.log)"
  fi
fi

# --- timecast split: the subcommand may not exist yet ---------------------------
help=$("$timecast" --help 2>/dev/null || true)
if grep -qE '^[[:space:]]+split[[:space:]]' <<<"$help"; then
  have_split=1
else
  have_split=0
  note "timecast split not available (not in 'timecast --help'): running Kafka Streams only"
fi

data=$(bench_dataset "$accidents")

# bench_broker's EXIT trap stops the broker of $kafka_dir: make sure that is not
# somebody else's running bench broker before going near it.
for pf in "$kafka_dir"/node-*/kafka.pid; do
  [[ -f "$pf" ]] || continue
  pid=$(cat "$pf" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" \
       | grep -q "kafka\.Kafka.*$kafka_dir/node-"; then
    die "a bench broker already runs in $kafka_dir (pid $pid), probably another benchmark;" \
        "use another TIMECAST_BENCH_DIR and TIMECAST_BENCH_PORT"
  fi
done
bench_broker

# The sum of the end offsets of a topic's partitions (exact for a topic without
# transaction markers, i.e. the input).
end_offsets() { # BROKERS TOPIC PARTITIONS
  local args=() p
  for ((p = 0; p < $3; p++)); do args+=(-t "$2:$p:-1"); done
  kcat -b "$1" -Q "${args[@]}" | awk '$3 == "offset" { s += $4 } END { print s + 0 }'
}
# Records a consumer sees with isolation.level=read_committed (end offsets would
# count the commit markers too).
committed() { # BROKERS TOPIC
  kcat -b "$1" -C -t "$2" -e -q -X isolation.level=read_committed -f 'x\n' | wc -l
}

# --- fill the input once --------------------------------------------------------
in="accidents-$RANDOM$RANDOM"
create_topic "$brokers" "$in" 3
note "filling $in (3 partitions) from $data"
"$timecast" replay "$data" --topspeed -b "$brokers" -t "$in" --key ID -q \
  --stats-json "$out/fill.json"
records=$(end_offsets "$brokers" "$in" 3)
expected=$((2 * accidents))
[[ "$records" == "$expected" ]] || note "WARNING: the input holds $records records, expected $expected"
note "input: $records records in $in"

peers=(kafka-streams)
((have_split)) && peers+=(timecast)

declare -A rps rss cpu
{
  status=0
  printf '%-14s %4s %10s %9s %11s %8s %8s %7s %9s  %s\n' \
    peer run records seconds records/s rss_MB wall_s cpu_s rec/cpu_s check
  for run in $(seq 1 "$runs"); do
    order=("${peers[@]}")
    ((run % 2 == 0 && ${#peers[@]} == 2)) && order=("${peers[1]}" "${peers[0]}")
    for p in "${order[@]}"; do
      tag="$p-$run-$RANDOM"
      o_start="$in-$tag-start" o_end="$in-$tag-end" o_dlq="$in-$tag-dlq"
      for t in "$o_start" "$o_end" "$o_dlq"; do create_topic "$brokers" "$t" 3; done
      prefix="$out/$p-$run"
      rm -f "$prefix.json"
      routes=(--route "Event=Start:$o_start" --route "Event=End:$o_end" --dead-letter "$o_dlq")
      note "run $run: $p -> $in-$tag-{start,end,dlq}"
      if [[ $p == kafka-streams ]]; then
        cmd=(java "${java_opts[@]}" -jar "$jar" --bootstrap "$brokers" --from "$in" "${routes[@]}"
             --application-id "split-$tag" --guarantee exactly_once_v2 --commit-interval-ms 100
             --until-idle-ms $((idle_s * 1000)) --state-dir "$out/streams-state"
             --stats-json "$prefix.json" "${streams_config[@]}")
      else
        cmd=("$timecast" split --from "$in" "${routes[@]}" --group "split-$tag" -b "$brokers"
             --until-idle "${idle_s}s" --stats-json "$prefix.json" -q)
      fi
      ok=1
      if ! run_measured "$prefix" "${cmd[@]}"; then
        ok=0
        note "WARNING: $p run $run failed; its stderr:"
        tail -n 20 "$prefix.err" >&2
      fi
      # (after a failure GNU time puts "Command exited with ..." first)
      read -r wall rss_kb user_s sys_s < <(tail -n 1 "$prefix.time")
      if [[ -s "$prefix.json" ]]; then
        read -r seconds rate < <(jq -r '"\(.seconds_active // .seconds) \(.records_per_second)"' "$prefix.json")
      else
        seconds=0 rate=0 ok=0
      fi
      n_start=$(committed "$brokers" "$o_start")
      n_end=$(committed "$brokers" "$o_end")
      n_dlq=$(committed "$brokers" "$o_dlq")
      landed=$((n_start + n_end + n_dlq))
      if [[ $ok == 1 && $landed == "$records" && $n_start == "$accidents" && $n_end == "$accidents" ]]; then
        check=ok
      else
        check="MISMATCH start=$n_start end=$n_end dlq=$n_dlq (want $accidents/$accidents/0)"
        ((ok)) || check="FAILED; $check"
        status=1
      fi
      rps[$p-$run]=$rate rss[$p-$run]=$rss_kb cpu[$p-$run]=$(awk -v u="$user_s" -v k="$sys_s" 'BEGIN { print u + k }')
      awk -v p="$p" -v r="$run" -v n="$landed" -v s="$seconds" -v q="$rate" -v m="$rss_kb" \
          -v w="$wall" -v u="$user_s" -v k="$sys_s" -v c="$check" \
        'BEGIN { cpu = u + k; per = cpu > 0 ? n / cpu : 0
                 printf "%-14s %4d %10d %9.2f %11.0f %8.1f %8.2f %7.2f %9.0f  %s\n",
                        p, r, n, s, q, m / 1024, w, cpu, per, c }'
      if [[ "${KEEP_TOPICS:-}" != 1 ]]; then
        for t in "$o_start" "$o_end" "$o_dlq"; do delete_topic "$brokers" "$t"; done
      fi
    done
  done
  if ((have_split)); then
    for run in $(seq 1 "$runs"); do
      awk -v r="$run" -v a="${rps[timecast-$run]}" -v b="${rps[kafka-streams-$run]}" \
          -v c="${rss[timecast-$run]}" -v d="${rss[kafka-streams-$run]}" \
          -v e="${cpu[timecast-$run]}" -v f="${cpu[kafka-streams-$run]}" \
        'BEGIN { x = b > 0 ? a / b : 0; y = d > 0 ? c / d : 0; z = f > 0 ? e / f : 0
                 printf "run %d timecast/streams: records/s x%.2f, peak RSS x%.2f, CPU time x%.2f\n", r, x, y, z }'
    done
  else
    echo "timecast split not available"
  fi
  exit "$status"
} | tee "$out/results.txt" || status=$?
# (End-to-end latency is not measured here: the input is filled before the
# peers start, so there is no per-record produce time to measure against;
# bench/split_latency.sh measures it.)
bench_report split-streams "$out" accidents="$accidents" runs="$runs"
exit "${status:-0}"
