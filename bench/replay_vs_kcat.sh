#!/usr/bin/env bash
# Top-speed replay vs kcat -P, side by side in one run on one broker.
#
# Both produce the same JSON lines (kcat reads them from a file that timecast
# wrote with --sink file:, so the bytes are identical) with the same producer
# settings: enable.idempotence=true, acks=all, linger.ms=5, a 64 MB producer
# queue (timecast's default); one partition each.
# timecast additionally decodes Parquet and encodes JSON while it sends.
# Before each run the page cache is dropped (as root) and the tool's input read
# into it, so no run pays for an earlier one's writeback.
#
# Usage: bench/replay_vs_kcat.sh [--quick]   (env RUNS=5, ACCIDENTS=2845342)
# Results: a table on stdout, $work/replay_vs_kcat/results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

accidents=${ACCIDENTS:-2845342}
runs=${RUNS:-5}
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-200000} && runs=${RUNS:-1}
props=(-X enable.idempotence=true -X acks=all -X linger.ms=5 -X queue.buffering.max.kbytes=65536)

data=$(bench_dataset "$accidents")
lines="$data.jsonl"
if [[ ! -f "$lines" ]]; then
  note "writing the identical JSON lines for kcat ($lines)"
  "$timecast" replay "$data" --topspeed --sink "file:$lines.tmp" -q
  mv "$lines.tmp" "$lines"
fi
rows=$(wc -l < "$lines")
bytes=$(stat -c %s "$lines")
bench_broker
bench_warm_broker "$data"
out="$work/replay_vs_kcat"
mkdir -p "$out"

printf '%-10s %4s %10s %9s %11s %8s %9s %7s %6s\n' tool run rows seconds rows/s MB/s rss_MB cpu_s steal%
for run in $(seq 1 "$runs"); do
  for tool in timecast kcat; do
    topic="$tool-$run-$RANDOM"
    create_topic "$brokers" "$topic" 1
    input=$data
    [[ $tool == kcat ]] && input=$lines
    [[ $(fresh_page_cache "$input") == dropped ]] || note "cannot drop the page cache (not root): expect noisier runs"
    if [[ $tool == timecast ]]; then
      run_measured "$out/$tool-$run" "$timecast" replay "$data" --topspeed -b "$brokers" -t "$topic" -q \
        "${props[@]}" --stats-json "$out/$tool-$run.json"
    else
      run_measured "$out/$tool-$run" kcat -P -b "$brokers" -t "$topic" "${props[@]}" -l "$lines"
    fi
    read -r seconds rss_kb user_s sys_s < <(tail -n 1 "$out/$tool-$run.time")
    landed=$(topic_count "$brokers" "$topic")
    [[ "$landed" == "$rows" ]] || note "WARNING: $tool run $run landed $landed of $rows records"
    delete_topic "$brokers" "$topic"
    awk -v t="$tool" -v r="$run" -v n="$landed" -v s="$seconds" -v b="$bytes" -v m="$rss_kb" \
      -v c="$user_s $sys_s" -v st="$(cat "$out/$tool-$run.steal")" 'BEGIN { split(c, cpu, " ")
        printf "%-10s %4d %10d %9.2f %11.0f %8.1f %9.1f %7.2f %6.1f\n", t, r, n, s, n / s, b / s / 1e6, m / 1024,
          cpu[1] + cpu[2], st }'
  done
done | tee "$out/results.txt"
bench_report replay-kcat "$out" accidents="$accidents" runs="$runs"
