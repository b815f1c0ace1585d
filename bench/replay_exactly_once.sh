#!/usr/bin/env bash
# Exactly-once replay against at-least-once, side by side in one run on one
# broker: top-speed rows/s and CPU (alternating runs, one partition each, the
# same producer defaults), and how fast a killed job resumes: the time from
# exec to the first record of a --resume whose checkpoint is at 90% of the
# file, next to a fresh start of the same job (0%).
#
# Every exactly-once run's topic is counted by kcat with read_committed.
#
# Paced: --rate 20000 for PACED_FOR (20 s) in each mode, alternating, with
# an independent read_committed observer (bench/e2e_latency) measuring each
# record's end-to-end latency from its hand-over (timecast.sent header) to
# its arrival downstream, next to replay's own hand-over lateness.
#
# Usage: bench/replay_exactly_once.sh [--quick]   (env RUNS=3, ACCIDENTS=2845342)
# Results: a table on stdout, $work/replay_exactly_once/results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

accidents=${ACCIDENTS:-2845342}
runs=${RUNS:-3}
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-200000} && runs=${RUNS:-1}

data=$(bench_dataset "$accidents")
bench_broker
bench_warm_broker "$data"
out="$work/replay_exactly_once"
rm -rf "$out"
mkdir -p "$out"

committed_count() {
  kcat -C -b "$brokers" -t "$1" -e -q -X isolation.level=read_committed -f 'x\n' | wc -l
}

printf '%-14s %4s %10s %9s %11s %7s %9s %6s\n' mode run rows seconds rows/s cpu_s commits steal%
for run in $(seq 1 "$runs"); do
  for mode in at-least-once exactly-once; do
    topic="$mode-$run-$RANDOM"
    create_topic "$brokers" "$topic" 1
    [[ $(fresh_page_cache "$data") == dropped ]] || note "cannot drop the page cache (not root): expect noisier runs"
    extra=()
    [[ $mode == exactly-once ]] && extra=(--guarantee exactly-once --job "bench-$topic")
    run_measured "$out/$mode-$run" "$timecast" replay "$data" --topspeed -b "$brokers" -t "$topic" -q \
      --stats-json "$out/$mode-$run.json" "${extra[@]}"
    read -r seconds rss_kb user_s sys_s < <(tail -n 1 "$out/$mode-$run.time")
    if [[ $mode == exactly-once ]]; then
      landed=$(committed_count "$topic")
      commits=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exactly_once"]["transactions_committed"])' "$out/$mode-$run.json")
    else
      landed=$(topic_count "$brokers" "$topic")
      commits=-
    fi
    delete_topic "$brokers" "$topic"
    awk -v m="$mode" -v r="$run" -v n="$landed" -v s="$seconds" -v c="$user_s $sys_s" -v k="$commits" \
      -v st="$(cat "$out/$mode-$run.steal")" 'BEGIN { split(c, cpu, " ")
        printf "%-14s %4d %10d %9.2f %11.0f %7.2f %9s %6.1f\n", m, r, n, s, n / s, cpu[1] + cpu[2], k, st }'
  done
done | tee "$out/results.txt"

# Paced at 20,000 rows/s: hand-over lateness and end-to-end latency.
paced_for=${PACED_FOR:-20s}
[[ "${1:-}" == "--quick" ]] && paced_for=${PACED_FOR:-5s}
observer="$build/bench/e2e_latency"
for run in $(seq 1 "$runs"); do
  for mode in at-least-once exactly-once; do
    topic="paced-$mode-$run-$RANDOM"
    create_topic "$brokers" "$topic" 1
    "$observer" -b "$brokers" -t "$topic" --idle 10s --json "$out/paced-$mode-$run.e2e.json" \
      >/dev/null 2>"$out/paced-$mode-$run.observer.err" &
    observer_pid=$!
    extra=()
    [[ $mode == exactly-once ]] && extra=(--guarantee exactly-once --job "bench-$topic")
    run_measured "$out/paced-$mode-$run" "$timecast" replay "$data" --rate 20000 \
      --runtime "$paced_for" --trace-headers -b "$brokers" -t "$topic" -q \
      --stats-json "$out/paced-$mode-$run.json" "${extra[@]}"
    wait "$observer_pid" || note "the observer of $topic failed: $(cat "$out/paced-$mode-$run.observer.err")"
    delete_topic "$brokers" "$topic"
    python3 - "$out/paced-$mode-$run" "$mode" "$run" <<'PY'
import json, sys
prefix, mode, run = sys.argv[1:]
r = json.load(open(prefix + ".json"))
e = json.load(open(prefix + ".e2e.json"))
late, e2e = r["lateness_ms"], e["latency_ms"]
print(f"paced {mode:14s} run {run} rows {r['rows_sent']} lateness p99 {late['p99']:.3f} max {late['max']:.3f} ms"
      f"  e2e p50 {e2e['p50']:.1f} p99 {e2e['p99']:.1f} max {e2e['max']:.1f} ms (records {e['records']})")
PY
  done
done | tee "$out/paced.txt"

# Resume: a paced job (the file in 120 s) killed once its checkpoint passes 90%.
topic="resume-$RANDOM"
create_topic "$brokers" "$topic" 1
job="bench-resume-$topic"
rows=$(python3 -c 'import pyarrow.parquet as pq,sys; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)' "$data" 2>/dev/null \
  || echo $((accidents * 2)))
paced=(replay "$data" -b "$brokers" -t "$topic" --guarantee exactly-once --job "$job" --fit 120s -q)
"$timecast" "${paced[@]}" &
pid=$!
while sleep 0.5; do
  sent=$("$timecast" checkpoint -b "$brokers" --job "$job" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["rows"])' 2>/dev/null || echo 0)
  ((sent * 10 >= rows * 9)) && break
  kill -0 "$pid" 2>/dev/null || break
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
killed_at=$(date +%s.%N)
# The rest of the file (about 12 s paced), so the job ends and its output is counted.
"$timecast" "${paced[@]}" --resume --stats-json "$out/resume-90.json"
landed=$(committed_count "$topic")
python3 - "$out" "$rows" "$landed" <<'PY' | tee "$out/resume.txt"
import json, sys
out, rows, landed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r90 = json.load(open(f"{out}/resume-90.json"))
at = r90["exactly_once"]["job_rows"] - r90["rows_sent"]
print(f"resume90 first_send_ms {r90['first_send_ms']:.1f} checkpoint_rows {at} rows {rows} landed {landed}")
PY
# 0%: a new job's first record, measured the same way.
"$timecast" replay "$data" -b "$brokers" -t "$topic" --guarantee exactly-once --job "$job-0" --fit 120s -q \
  --runtime 1s --stats-json "$out/resume-0.json"
python3 -c 'import json,sys; print("start0 first_send_ms %.1f" % json.load(open(sys.argv[1]))["first_send_ms"])' \
  "$out/resume-0.json" | tee -a "$out/resume.txt"
bench_report replay-eos "$out" accidents="$accidents" runs="$runs"
