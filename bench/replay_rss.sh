#!/usr/bin/env bash
# Peak RSS of a top-speed replay (to /dev/null, so only timecast is measured)
# on the full file and on one four times its size: memory must stay flat.
#
# Usage: bench/replay_rss.sh [--quick]
# Results: lines on stdout, $work/replay_rss/results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

accidents=${ACCIDENTS:-2845342}
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-200000}
out="$work/replay_rss"
mkdir -p "$out"
for factor in 1 4; do
  data=$(bench_dataset $((accidents * factor)))
  run_measured "$out/x$factor" "$timecast" replay "$data" --topspeed --sink file:/dev/null \
    -q --stats-json "$out/x$factor.json"
  read -r seconds rss_kb _ < "$out/x$factor.time"
  stat -c %s "$data" >"$out/x$factor.size"
  python3 -c "import json,sys; s=json.load(open('$out/x$factor.json')); print(f\"{$factor}x file ($(du -h "$data" | cut -f1)): {s['rows_sent']} rows in $seconds s ({s['rows_sent']/$seconds:,.0f} rows/s, JSON only), first record {s['first_send_ms']:.1f} ms after exec, peak RSS {$rss_kb/1024:.0f} MB\")"
done
bench_report replay-rss "$out" accidents="$accidents"
