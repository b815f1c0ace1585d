#!/usr/bin/env bash
# Paced replay lateness: --rate 20000 for 60 s into the local broker (warmed
# up first), REPEATS times (default 3: the tail follows the hypervisor's steal,
# which each run records), and the time to the first record on the full file;
# then the same
# with a wake-up per row (--send-ahead 0) and with the sender thread under
# SCHED_FIFO (--rt-priority 10), each with its CPU time.
#
# Usage: bench/replay_paced.sh [--quick]   (env REPEATS=3, ACCIDENTS=2845342)
# Results: a line on stdout, $work/replay_paced/results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

accidents=${ACCIDENTS:-2845342}
duration=60s
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-200000} && duration=10s
data=$(bench_dataset "$accidents")
bench_broker
bench_warm_broker "$data"
out="$work/replay_paced"
mkdir -p "$out"

# paced_run NAME [REPLAY-ARGS...] — one paced run into a fresh topic; writes
# NAME.json (replay's summary) and NAME.time (with the CPU time).
paced_run() {
  local name=$1; shift
  local topic="paced-$RANDOM"
  create_topic "$brokers" "$topic" 1
  fresh_page_cache "$data" >/dev/null
  run_measured "$out/$name" "$timecast" replay "$data" --rate 20000 --runtime "$duration" \
    -b "$brokers" -t "$topic" -q --stats-json "$out/$name.json" "$@"
}
repeats=${REPEATS:-3}
((bench_quick)) && repeats=${REPEATS:-1}
note "paced: --rate 20000 for $duration, $repeats time(s)"
paced_run paced
for i in $(seq 2 "$repeats"); do paced_run "paced-$i"; done
note "paced: the same with a wake-up per row (--send-ahead 0)"
paced_run wake-per-row --send-ahead 0
note "paced: the same with the sender thread under SCHED_FIFO (--rt-priority 10)"
paced_run realtime --rt-priority 10
python3 - "$out/paced.json" "$out/paced.time" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); wall, rss = open(sys.argv[2]).read().split()[:2]
l = s["lateness_ms"]
print(f"paced 20000 rows/s: {s['rows_sent']} rows in {s['wall_seconds']:.1f} s, "
      f"lateness p50 {l['p50']:.3f} ms, p99 {l['p99']:.3f} ms, p99.9 {l['p999']:.3f} ms, "
      f"max {l['max']:.3f} ms; first record {s['first_send_ms']:.1f} ms after exec; "
      f"peak RSS {int(rss) / 1024:.0f} MB; delivered {s['delivered']}, failed {s['delivery_failures']}")
PY
bench_report replay-paced "$out" accidents="$accidents" duration="$duration" rate=20000 repeats="$repeats"
