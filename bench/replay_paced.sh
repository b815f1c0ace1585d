#!/usr/bin/env bash
# Paced replay lateness: --rate 20000 for 60 s into the local broker, and the
# time to the first record on the full file; peak RSS on the 1x and 4x file.
#
# Usage: bench/replay_paced.sh [--quick]
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
run_measured "$out/paced" "$timecast" replay "$data" --rate 20000 --runtime "$duration" \
  -b "$brokers" -t "$topic" -q --stats-json "$out/paced.json"
python3 - "$out/paced.json" "$out/paced.time" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); wall, rss = open(sys.argv[2]).read().split()
l = s["lateness_ms"]
print(f"paced 20000 rows/s: {s['rows_sent']} rows in {s['wall_seconds']:.1f} s, "
      f"lateness p50 {l['p50']:.3f} ms, p99 {l['p99']:.3f} ms, p99.9 {l['p999']:.3f} ms, "
      f"max {l['max']:.3f} ms; first record {s['first_send_ms']:.1f} ms after exec; "
      f"peak RSS {int(rss) / 1024:.0f} MB; delivered {s['delivered']}, failed {s['delivery_failures']}")
PY
