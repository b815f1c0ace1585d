# Shared by the benchmark scripts: paths, the dataset cache, a dedicated broker.
# Source it; it sets `root`, `build`, `timecast`, `work` and defines helpers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${TIMECAST_BENCH_DIR:-$root/.deps/bench}"
bench_port="${TIMECAST_BENCH_PORT:-29092}"
kafka_dir="$work/kafka"
mkdir -p "$work"

note() { echo "bench: $*" >&2; }

# When and under what load the benchmark started, for its results (bench_report).
bench_started=$(date -u +%Y-%m-%dT%H:%MZ)
bench_load=$(cut -d' ' -f1 /proc/loadavg)
# CPU time the hypervisor gave to other machines ("steal" in /proc/stat): on a
# shared host it stalls every thread here, whatever its priority, so each
# result says how much of it there was.
cpu_ticks() { awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# steal_since TICKS — the percentage of CPU time stolen since that cpu_ticks.
steal_since() {
  echo "$1 $(cpu_ticks)" | awk '{ printf "%.1f\n", ($4 > $2) ? 100 * ($3 - $1) / ($4 - $2) : 0 }'
}
bench_ticks_at_start=$(cpu_ticks)
bench_quick=0
[[ "${1:-}" == --quick ]] && bench_quick=1  # (the sourcing script's own arguments)

"$root/scripts/bootstrap"
build=$("$root/scripts/build" timecast encode_bench e2e_latency)
timecast="$build/src/timecast"

# Prints the path of the accidents stream for `accidents` accidents (2 events each),
# generating it once per size.
bench_dataset() {
  local accidents=$1 path="$work/stream-$1.parquet"
  if [[ ! -f "$path" ]]; then
    note "generating $accidents accidents as a stream ($path)"
    "$timecast" generate --rows "$accidents" --stream -o "$path.tmp" >&2
    mv "$path.tmp" "$path"
  fi
  echo "$path"
}

# Starts the benchmark broker, stopped when the calling script exits, and sets
# `brokers` to its address. Call it directly, not in $(...): the trap must be
# set in the script's own shell.
bench_broker() {
  trap '"$root/scripts/kafka-stop" --dir "$kafka_dir" >/dev/null 2>&1 || true' EXIT
  brokers=$("$root/scripts/kafka-start" --port "$bench_port" --dir "$kafka_dir")
}

# bench_warm_broker DATASET — an unmeasured paced replay (20,000 rows/s for
# 30 s, --quick: 10 s) into a scratch topic. A fresh broker's JIT compiler and
# heap sizing take tens of seconds at this load, and would otherwise count
# against whatever is measured first.
bench_warm_broker() {
  local duration=30s
  ((bench_quick)) && duration=10s
  note "warming the broker up: $duration of paced replay (not measured)"
  "$timecast" replay "$1" --rate 20000 --runtime "$duration" -b "$brokers" -t "warmup-$RANDOM" \
    --create-topic -q
}

# The bench broker's garbage-collector pauses stall every client at once, so
# latency benchmarks report them for each run: `mark=$(gc_mark)` before the
# run, `gc_pauses "$mark"` after it prints "PAUSES MAX_MS TOTAL_MS".
gc_mark() { wc -l <"$kafka_dir/node-1/logs/gc.log" 2>/dev/null || echo 0; }
gc_pauses() {
  tail -n +"$(($1 + 1))" "$kafka_dir/node-1/logs/gc.log" 2>/dev/null |
    awk '/Pause/ { ms = $NF; sub("ms$", "", ms); n++; total += ms; if (ms + 0 > max) max = ms + 0 }
         END { printf "%d %.1f %.1f\n", n, max, total }'
}

# topic_command ARGS... — Kafka's kafka-topics tool (TopicCommand), quiet.
topic_command() {
  java -Dlog4j.configuration="file:$root/tools/kafka/tools-log4j.properties" \
    -cp "$("$root/scripts/kafka-fetch")/*" org.apache.kafka.tools.TopicCommand "$@" >/dev/null
}

# create_topic BROKERS TOPIC PARTITIONS — with retention.ms=-1 (2016 timestamps).
create_topic() {
  topic_command --bootstrap-server "$1" --create --topic "$2" --partitions "$3" \
    --replication-factor 1 --config retention.ms=-1
}

# fresh_page_cache FILE... — writes dirty pages back, drops the page cache
# (when allowed: root) and reads FILEs into it. A broker run writes GBs; with
# an earlier run's pages still being written back, the same run measured up
# to 4x slower. Prints "dropped" or "kept".
fresh_page_cache() {
  sync
  local state=kept
  if [[ -w /proc/sys/vm/drop_caches ]] && echo 1 >/proc/sys/vm/drop_caches 2>/dev/null; then
    state=dropped
  fi
  cat "$@" >/dev/null
  echo "$state"
}

# delete_topic BROKERS TOPIC — frees the broker's disk between runs of GBs each.
delete_topic() { topic_command --bootstrap-server "$1" --delete --topic "$2"; }

# The number of records in a single-partition topic (its end offset).
topic_count() {
  local last
  last=$(kcat -b "$1" -C -t "$2" -p 0 -o -1 -c 1 -e -q -f '%o\n' 2>/dev/null || true)
  echo $(( ${last:--1} + 1 ))
}

# run_measured OUT_PREFIX COMMAND... — runs it under /usr/bin/time; writes
# OUT_PREFIX.time ("wall_seconds max_rss_kb user_seconds system_seconds") and
# OUT_PREFIX.err.
# Also writes OUT_PREFIX.steal: the percentage of CPU time the hypervisor
# stole during the command, which moves latency tails more than anything here.
run_measured() {
  local prefix=$1; shift
  local before
  before=$(cpu_ticks)
  /usr/bin/time -f '%e %M %U %S' -o "$prefix.time" "$@" 2>"$prefix.err" >/dev/null
  steal_since "$before" >"$prefix.steal"
}

# run_stdout PREFIX CMD... — run_measured, keeping the command's stdout in PREFIX.out.
run_stdout() {
  local prefix=$1; shift
  run_measured "$prefix" bash -c 'exec "$@" >"$0"' "$prefix.out" "$@"
}

# bench_report NAME OUT_DIR [key=value...] — the script's machine-readable
# OUT_DIR/results.json and markdown OUT_DIR/fragment.md (bench/report.py reads
# the raw outputs it left in OUT_DIR); bench/run assembles docs/BENCHMARKS.md
# from the fragments. The key=values are the script's parameters (accidents,
# runs, ...), shown in the fragment's reproduce command.
bench_report() {
  local name=$1 dir=$2; shift 2
  local steal
  steal=$(steal_since "$bench_ticks_at_start")
  python3 "$root/bench/report.py" fragment "$name" "$dir" started="$bench_started" \
    load="$bench_load" steal="$steal" quick="$bench_quick" "$@"
}
