#!/usr/bin/env bash
# Paced replay lateness: --rate 20000 for 60 s into the local broker, and the
# time to the first record on the full file; peak RSS on the 1x and 4x file.
#
# Usage: bench/replay_paced.sh [--quick]
# Results: a line on stdout, $work/replay_paced/results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

accidents=${ACCIDENTS:-2845342}
duration=60s
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-200000} && duration=10s
data=$(bench_dataset "$accidents")
bench_broker
out="$work/replay_paced"
mkdir -p "$out"

topic="paced-$RANDOM"
create_topic "$brokers" "$topic" 1
note "paced: --rate 20000 for $duration"
# CPU seconds too (GNU time's %U %S), to set against the same run with a
# wake-up per row (--send-ahead 0) just after it.
/usr/bin/time -f '%e %M %U %S' -o "$out/paced.time" "$timecast" replay "$data" --rate 20000 \
  --runtime "$duration" -b "$brokers" -t "$topic" -q --stats-json "$out/paced.json" 2>"$out/paced.err"
note "paced: the same with a wake-up per row (--send-ahead 0)"
topic="paced-$RANDOM"
create_topic "$brokers" "$topic" 1
/usr/bin/time -f '%e %M %U %S' -o "$out/wake-per-row.time" "$timecast" replay "$data" --rate 20000 \
  --runtime "$duration" -b "$brokers" -t "$topic" -q --stats-json "$out/wake-per-row.json" \
  --send-ahead 0 2>"$out/wake-per-row.err"
python3 - "$out/paced.json" "$out/paced.time" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); wall, rss = open(sys.argv[2]).read().split()[:2]
l = s["lateness_ms"]
print(f"paced 20000 rows/s: {s['rows_sent']} rows in {s['wall_seconds']:.1f} s, "
      f"lateness p50 {l['p50']:.3f} ms, p99 {l['p99']:.3f} ms, p99.9 {l['p999']:.3f} ms, "
      f"max {l['max']:.3f} ms; first record {s['first_send_ms']:.1f} ms after exec; "
      f"peak RSS {int(rss) / 1024:.0f} MB; delivered {s['delivered']}, failed {s['delivery_failures']}")
PY
bench_report replay-paced "$out" accidents="$accidents" duration="$duration" rate=20000
