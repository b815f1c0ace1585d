# Shared by the benchmark scripts: paths, the dataset cache, a dedicated broker.
# Source it; it sets `root`, `build`, `timecast`, `work` and defines helpers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${TIMECAST_BENCH_DIR:-$root/.deps/bench}"
bench_port="${TIMECAST_BENCH_PORT:-29092}"
kafka_dir="$work/kafka"
mkdir -p "$work"

note() { echo "bench: $*" >&2; }

"$root/scripts/bootstrap"
build=$("$root/scripts/build" timecast encode_bench)
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

# create_topic BROKERS TOPIC PARTITIONS — with retention.ms=-1 (2016 timestamps).
create_topic() {
  java -Dlog4j.configuration="file:$root/tools/kafka/tools-log4j.properties" \
    -cp "$("$root/scripts/kafka-fetch")/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$1" --create --topic "$2" --partitions "$3" --replication-factor 1 \
    --config retention.ms=-1 >/dev/null
}

# The number of records in a single-partition topic (its end offset).
topic_count() {
  local last
  last=$(kcat -b "$1" -C -t "$2" -p 0 -o -1 -c 1 -e -q -f '%o\n' 2>/dev/null || true)
  echo $(( ${last:--1} + 1 ))
}

# run_measured OUT_PREFIX COMMAND... — runs it under /usr/bin/time; writes
# OUT_PREFIX.time ("wall_seconds max_rss_kb") and OUT_PREFIX.err.
run_measured() {
  local prefix=$1; shift
  /usr/bin/time -f '%e %M' -o "$prefix.time" "$@" 2>"$prefix.err" >/dev/null
}
