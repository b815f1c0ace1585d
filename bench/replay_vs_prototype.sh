#!/usr/bin/env bash
# Paced replay: the first user's prototype (shared/seed/ingestion-notebook.txt,
# reproduced in bench/peers/prototype) vs `timecast replay`, one run each on
# one broker, on the same generated accidents stream whose Stream_Time spans
# 0..RUNTIME_S seconds (default 60: the prototype treats Stream_Time as wall
# seconds since its start, so both replay it in real time).
#
#   prototype          load.py (pandas read_parquet + to_sql into SQLite), then
#                      stream.py: the notebook's loop, polling
#                      SELECT * ... WHERE Stream_Time BETWEEN last_run AND now
#                      and sending each poll's rows as ONE JSON array with
#                      kafka-python's KafkaProducer (its defaults: acks=1,
#                      max_request_size=1 MB, ...), RUNTIME=RUNTIME_S.
#   timecast json      timecast replay DATA --speed 1: one message per row,
#                      its defaults (idempotence, acks=all, linger.ms=5).
#   timecast tick      the same with --format tick-array (--tick 100ms): rows
#                      due in one tick as one JSON array, the prototype's format.
#   timecast runs get --trace-headers (timecast.due / timecast.sent headers) so
#   the landed lateness of their rows can be measured.
#
# A warm-up idempotent produce first takes the broker's one-time producer-id
# allocation out of the measurements. Every topic has one partition and message.timestamp.type=LogAppendTime, so a
# record's timestamp is the broker's clock when it was appended. Measured:
#   first record   process launch -> first record appended (the prototype's
#                  load.py wall time is added: it must run before streaming)
#   last landed    process launch -> last record appended (same addition);
#                  "all delivered" only when nothing was lost
#   process wall   /usr/bin/time (the prototype: load.py + stream.py)
#   rows/s         distinct rows landed / (last - first append)
#   lateness       self-reported (prototype: time send() returned - row due,
#                  per row; timecast: handed to librdkafka - due, per message,
#                  a tick array's due being its tick's close) and landed
#                  (append time - the row's own due time, per row, ~1 ms
#                  resolution), p50/p99/max, also without the rows due in
#                  the first second (start-up: connecting, producer id)
#   peak RSS       /usr/bin/time (the prototype: its larger step, both shown)
#   landed / lost / duplicated   counted by reading each topic back
#                  (kcat | count_topic.py): every JSON element is a row,
#                  identified by (ID, Event); duplicated = elements - distinct,
#                  lost = source rows - distinct.
# When `timecast verify` exists, it also checks each topic against the file.
#
# Usage: bench/replay_vs_prototype.sh [--quick]
#   env: ACCIDENTS=1000000 (2M rows in 60 s; --quick: 100000), RUNTIME_S=60,
#        KEEP_DB=1, PROTOTYPE_VENV, and lib.sh's TIMECAST_BENCH_DIR /
#        TIMECAST_BENCH_PORT.
# Results: a table on stdout, $work/replay_vs_prototype/results.json, the
# figures replay-prototype-{lateness,rate}.png (bench/plot.py, from each topic's
# per-row *.series.json) and fragment.md for docs/BENCHMARKS.md (bench/report.py).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$root/bench/peers/prototype/venv.sh"

accidents=${ACCIDENTS:-1000000}
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-100000}
runtime_s=${RUNTIME_S:-60}
tick_s=0.1
out="$work/replay_vs_prototype"
mkdir -p "$out"
rm -f "$out"/*.{time,err,out,json,verify,count,result,launch,txt,md,png}

die() { note "$*"; exit 1; }

prototype_setup

# The dataset: Stream_Time from 0 to $runtime_s seconds.
data="$work/stream-$accidents-${runtime_s}s.parquet"
if [[ ! -f "$data" ]]; then
  note "generating $accidents accidents as a ${runtime_s}s stream ($data)"
  "$timecast" generate --rows "$accidents" --stream --runtime "${runtime_s}s" -o "$data.tmp" >&2
  mv "$data.tmp" "$data"
fi
read -r rows first_time last_time < <("$prototype_python" -c '
import sys, pyarrow.compute as pc, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1], columns=["Stream_Time"]).column(0)
print(len(t), pc.min(t).as_py(), pc.max(t).as_py())' "$data")
note "dataset $data: $rows rows, Stream_Time $first_time .. $last_time"

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

# Like lib.sh's create_topic, with the broker's append time as record timestamp.
create_lat_topic() {
  topic_command --bootstrap-server "$brokers" --create --topic "$1" --partitions 1 \
    --replication-factor 1 --config retention.ms=-1 --config message.timestamp.type=LogAppendTime
}

# count TOPIC DUE SERIES — reads the topic back and counts its rows
# (count_topic.py); SERIES gets the per-row histograms bench/plot.py draws.
count() {
  kcat -C -b "$brokers" -t "$1" -o beginning -e -q -f '%T\t%h\t%s\n' \
    | "$prototype_python" "$prototype_dir/count_topic.py" --expected "$rows" \
        --first-time "$first_time" --due "$2" --series "$3"
}

have_verify=0
"$timecast" verify --help >/dev/null 2>&1 && have_verify=1
# verify TOPIC PREFIX — timecast verify's JSON report (exit 6: it found problems).
verify() {
  ((have_verify)) || { echo null >"$2.verify"; return 0; }
  local rc=0
  "$timecast" verify "$data" -b "$brokers" -t "$1" --json --timeout 10s >"$2.verify" 2>"$2.verify.err" || rc=$?
  if ! jq -e . "$2.verify" >/dev/null 2>&1; then
    note "timecast verify on $1 exited $rc without a JSON report: $(tail -n 3 "$2.verify.err")"
    jq -cn --argjson rc "$rc" --arg err "$(tail -n 3 "$2.verify.err")" '{exit_code: $rc, error: $err}' >"$2.verify"
  fi
}

stamp() { date +%s.%N; }
run_id=$RANDOM

# Warm-up: the first idempotent producer on a fresh broker waits ~0.5 s for the
# broker to allocate its first block of producer ids. Pay that here, not in
# whichever timecast run comes first (kafka-python 2.0.2 is not idempotent).
create_lat_topic "warmup-$run_id"
echo warmup | kcat -P -b "$brokers" -t "warmup-$run_id" -X enable.idempotence=true -X acks=all 2>"$out/warmup.err" \
  || die "warm-up produce failed: $(tail -n 3 "$out/warmup.err")"

# --- (a) the prototype: load, then stream --------------------------------------
db="$out/prototype.db"
rm -f "$db" "$db-journal"
note "prototype: load.py"
run_stdout "$out/prototype-load" "$prototype_python" "$prototype_dir/load.py" "$data" "$db" \
  || die "load.py failed: $(tail -n 5 "$out/prototype-load.err")"
topic="prototype-$run_id"
create_lat_topic "$topic"
sync  # load.py's database written back before streaming, as for timecast below
note "prototype: stream.py (RUNTIME=$runtime_s)"
launch=$(stamp)
SOURCE_TOPIC=$topic SERVER_PORT=$brokers RUNTIME=$runtime_s \
  run_stdout "$out/prototype-stream" "$prototype_python" "$prototype_dir/stream.py" "$db" \
  || die "stream.py failed: $(tail -n 5 "$out/prototype-stream.err")"
echo "$launch" >"$out/prototype-stream.launch"
start_epoch=$(jq -r .start_epoch "$out/prototype-stream.out")
count "$topic" "prototype:$start_epoch" "$out/prototype.series.json" >"$out/prototype.count"
verify "$topic" "$out/prototype"
[[ -n "${KEEP_DB:-}" ]] || rm -f "$db"

# --- (b) timecast, one row per message and tick arrays -------------------------
for format in json tick-array; do
  name="timecast-$format"
  topic="$name-$run_id"
  create_lat_topic "$topic"
  sync
  note "$name: timecast replay --speed 1 --format $format"
  launch=$(stamp)
  run_measured "$out/$name" "$timecast" replay "$data" -b "$brokers" -t "$topic" --speed 1 \
    --format "$format" --trace-headers -q --stats-json "$out/$name.json" \
    || die "timecast replay ($format) failed: $(tail -n 5 "$out/$name.err")"
  echo "$launch" >"$out/$name.launch"
  due_offset=0
  [[ $format == tick-array ]] && due_offset=$tick_s
  count "$topic" "timecast:$due_offset" "$out/$name.series.json" >"$out/$name.count"
  verify "$topic" "$out/$name"
done

# --- results --------------------------------------------------------------------
tool_json() {  # NAME: the common record of one timecast run
  local name=$1
  read -r wall rss _ <"$out/$name.time"
  jq -n --arg tool "$name" --argjson launch "$(cat "$out/$name.launch")" \
    --argjson wall "$wall" --argjson rss "$rss" --argjson rows "$rows" \
    --slurpfile stats "$out/$name.json" --slurpfile c "$out/$name.count" \
    --slurpfile v "$out/$name.verify" '
    $stats[0] as $s | $c[0] as $c |
    { tool: $tool,
      time_to_first_record_s: ($c.first_append_ms / 1000 - $launch),
      last_record_landed_s: ($c.last_append_ms / 1000 - $launch),
      process_wall_s: $wall,
      rows_per_second: ($c.distinct / ((($c.last_append_ms - $c.first_append_ms) / 1000) | if . > 0 then . else 1 end)),
      lateness_ms: {p50: $s.lateness_ms.p50, p99: $s.lateness_ms.p99, max: $s.lateness_ms.max,
                    per: "message (handed to librdkafka - due; a tick array is due when its tick closes)"},
      landed_lateness_ms: $c.landed_lateness_ms,
      landed_lateness_after_1s_ms: $c.landed_lateness_after_1s_ms,
      peak_rss_kb: $rss,
      rows_sent: $s.rows_sent, messages_sent: $s.messages_sent,
      rows_landed: $c.rows, distinct_landed: $c.distinct,
      lost: ($rows - $c.distinct), duplicated: $c.duplicates, messages_landed: $c.messages,
      all_delivered: ($c.distinct == $rows),
      self_reported: {first_send_ms_from_replay_start: $s.first_send_ms, wall_seconds: $s.wall_seconds,
                      delivered: $s.delivered, delivery_failures: $s.delivery_failures},
      verify: $v[0] }'
}

read -r load_wall load_rss _ <"$out/prototype-load.time"
read -r stream_wall stream_rss _ <"$out/prototype-stream.time"
jq -n --argjson launch "$(cat "$out/prototype-stream.launch")" --argjson rows "$rows" \
  --argjson load_wall "$load_wall" --argjson load_rss "$load_rss" \
  --argjson stream_wall "$stream_wall" --argjson stream_rss "$stream_rss" \
  --slurpfile l "$out/prototype-load.out" --slurpfile s "$out/prototype-stream.out" \
  --slurpfile c "$out/prototype.count" --slurpfile v "$out/prototype.verify" '
  $s[0] as $s | $c[0] as $c |
  { tool: "prototype",
    time_to_first_record_s: ($load_wall + $c.first_append_ms / 1000 - $launch),
    last_record_landed_s: ($load_wall + $c.last_append_ms / 1000 - $launch),
    process_wall_s: ($load_wall + $stream_wall),
    rows_per_second: ($c.distinct / ((($c.last_append_ms - $c.first_append_ms) / 1000) | if . > 0 then . else 1 end)),
    lateness_ms: ($s.lateness_ms + {per: "row (send() returned - row due)"}),
    landed_lateness_ms: $c.landed_lateness_ms,
    landed_lateness_after_1s_ms: $c.landed_lateness_after_1s_ms,
    peak_rss_kb: ([$load_rss, $stream_rss] | max),
    rows_sent: $s.rows_sent, messages_sent: $s.messages_sent,
    rows_landed: $c.rows, distinct_landed: $c.distinct,
    lost: ($rows - $c.distinct), duplicated: $c.duplicates, messages_landed: $c.messages,
    all_delivered: ($c.distinct == $rows),
    load: ($l[0] + {wall_s: $load_wall, peak_rss_kb: $load_rss}),
    stream: ($s + {wall_s: $stream_wall, peak_rss_kb_time: $stream_rss,
                   time_to_first_record_from_launch_s: ($c.first_append_ms / 1000 - $launch)}),
    verify: $v[0] }' >"$out/prototype.result"
tool_json timecast-json >"$out/timecast-json.result"
tool_json timecast-tick-array >"$out/timecast-tick-array.result"

jq -s --arg data "$data" --argjson accidents "$accidents" --argjson rows "$rows" \
  --argjson runtime_s "$runtime_s" --argjson have_verify "$have_verify" \
  --arg kafka_python "$("$prototype_python" -c 'import kafka; print(kafka.__version__)')" '
  { benchmark: "replay_vs_prototype", dataset: $data, accidents: $accidents, rows: $rows,
    stream_time_span_s: $runtime_s, due_rate_rows_per_s: ($rows / $runtime_s),
    kafka_python: $kafka_python, timecast_verify_available: ($have_verify == 1),
    results: . }' \
  "$out/prototype.result" "$out/timecast-json.result" "$out/timecast-tick-array.result" >"$out/results.json"

{
  echo "$rows rows due over ${runtime_s} s ($(jq -r '.due_rate_rows_per_s | round' "$out/results.json") rows/s), one partition, LogAppendTime"
  jq -r '
    def f(x; d): if x == null then "-" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
    def row(k; g): [k] + [.results[] | g];
    (["", (.results[] | .tool)]),
    row("first record (s)"; f(.time_to_first_record_s; 2)),
    row("  of which load.py (s)"; f(.load.wall_s; 2)),
    row("last record landed (s)"; f(.last_record_landed_s; 2)),
    row("process wall (s)"; f(.process_wall_s; 2)),
    row("rows/s while streaming"; f(.rows_per_second; 0)),
    row("lateness p50 (ms)"; f(.lateness_ms.p50; 1)),
    row("lateness p99 (ms)"; f(.lateness_ms.p99; 1)),
    row("lateness max (ms)"; f(.lateness_ms.max; 1)),
    row("landed lateness p50 (ms)"; f(.landed_lateness_ms.p50; 1)),
    row("landed lateness p99 (ms)"; f(.landed_lateness_ms.p99; 1)),
    row("landed lateness max (ms)"; f(.landed_lateness_ms.max; 1)),
    row("  due after 1 s: p50 (ms)"; f(.landed_lateness_after_1s_ms.p50; 1)),
    row("  due after 1 s: p99 (ms)"; f(.landed_lateness_after_1s_ms.p99; 1)),
    row("  due after 1 s: max (ms)"; f(.landed_lateness_after_1s_ms.max; 1)),
    row("peak RSS (MB)"; f(.peak_rss_kb / 1024; 1)),
    row("messages sent"; f(.messages_sent; 0)),
    row("rows sent"; f(.rows_sent; 0)),
    row("rows landed"; f(.rows_landed; 0)),
    row("distinct rows landed"; f(.distinct_landed; 0)),
    row("lost"; f(.lost; 0)),
    row("duplicated"; f(.duplicated; 0)),
    row("verify: missing/dup/differing"; if .verify == null then "-"
        elif .verify.missing == null then "error"
        else "\(.verify.missing)/\(.verify.duplicated)/\(.verify.differing)" end)
    | @tsv' "$out/results.json" | awk -F'\t' '{ printf "%-30s %16s %16s %20s\n", $1, $2, $3, $4 }'
  jq -r 'select(.timecast_verify_available) | "verify: the prototype'"'"'s rows differ from the source by design (pandas'"'"' extra \"index\" column, Python'"'"'s JSON and SQLite'"'"'s datetime text): count its missing/duplicated only."' "$out/results.json"
  jq -r '.results[0] | "prototype: \(.stream.polls) polls, largest message \(.stream.largest_message_rows) rows, \(.stream.failed_messages) sends failed (\(.stream.failed_rows) rows)\(if .stream.errors != {} then ": \(.stream.errors)" else "" end)"' "$out/results.json"
} | tee "$out/results.txt"
# The figures (lateness distribution, rows per second) and the doc's fragment.
"$prototype_python" "$root/bench/plot.py" "$out" \
  || note "WARNING: bench/plot.py failed: no figures"
bench_report replay-prototype "$out" accidents="$accidents" runtime_s="$runtime_s"
note "results: $out/results.json, $out/fragment.md"
