#!/usr/bin/env bash
# Staging Parquet into SQLite: `timecast load` vs the prototype's pandas step,
# side by side in one run on the same generated accidents stream.
#
#   pandas    bench/peers/prototype/load.py: the notebook's
#             pd.read_parquet(path) then df.to_sql(name='stream', con=conn,
#             if_exists='replace') (pandas' defaults: one chunk, plus its own
#             index column "index" and an index on it), in the pinned
#             prototype virtualenv (.deps/bench/prototype-venv).
#   timecast  `timecast load DATA -o DB --if-exists replace` with its defaults
#             (which also builds an index on Stream_Time, so the replay can query
#             it; pandas builds none there).
#
# Both start from a missing database file. "seconds" is the whole process under
# /usr/bin/time (interpreter start and imports included for pandas; load.py's own
# read_parquet / to_sql split is shown too), which also gives the peak RSS. Runs
# alternate who goes first. Both databases must hold every row of the file.
# Target (the issue): timecast at least 5x faster than pandas' to_sql path.
#
# Usage: bench/load_vs_pandas.sh [--quick]
#   env: ACCIDENTS=2845342 (5.69M rows; --quick: 100000), RUNS=1, KEEP_DB=1 (keep
#        the databases in $work/load_vs_pandas), PROTOTYPE_VENV, and lib.sh's
#        TIMECAST_BENCH_DIR.
# Results: a table on stdout, $work/load_vs_pandas/results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$root/bench/peers/prototype/venv.sh"

accidents=${ACCIDENTS:-2845342}
runs=${RUNS:-1}
[[ "${1:-}" == "--quick" ]] && accidents=${ACCIDENTS:-100000}
out="$work/load_vs_pandas"
mkdir -p "$out"

die() { note "$*"; exit 1; }

prototype_setup
data=$(bench_dataset "$accidents")
rows=$("$prototype_python" -c 'import sys, pyarrow.parquet as pq; print(pq.read_metadata(sys.argv[1]).num_rows)' "$data")
note "dataset $data: $rows rows"

results="$out/runs.jsonl"
: >"$results"
status=0
for run in $(seq 1 "$runs"); do
  if ((run % 2)); then order=(timecast pandas); else order=(pandas timecast); fi
  for tool in "${order[@]}"; do
    db="$out/$tool.db"
    rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
    prefix="$out/$tool-$run"
    sync
    if [[ $tool == timecast ]]; then
      run_measured "$prefix" "$timecast" load "$data" -o "$db" --if-exists replace \
        || die "timecast load failed: $(tail -n 5 "$prefix.err")"
      echo '{}' >"$prefix.out"
    else
      run_stdout "$prefix" "$prototype_python" "$prototype_dir/load.py" "$data" "$db" \
        || die "load.py failed: $(tail -n 5 "$prefix.err")"
    fi
    read -r seconds rss_kb _ <"$prefix.time"
    count=$(sqlite3 "$db" 'SELECT count(*) FROM stream')
    db_bytes=$(stat -c %s "$db")
    if [[ "$count" != "$rows" ]]; then
      note "WARNING: $tool run $run: the table holds $count rows, the file $rows"
      status=1
    fi
    jq -cn --arg tool "$tool" --argjson run "$run" --argjson rows "$rows" --argjson count "$count" \
      --argjson seconds "$seconds" --argjson rss_kb "$rss_kb" --argjson db_bytes "$db_bytes" \
      --slurpfile detail "$prefix.out" \
      '{tool: $tool, run: $run, rows: $rows, table_rows: $count, wall_seconds: $seconds,
        rows_per_second: ($rows / $seconds), peak_rss_kb: $rss_kb, db_bytes: $db_bytes,
        detail: $detail[0]}' >>"$results"
    [[ -n "${KEEP_DB:-}" ]] || rm -f "$db"
  done
done

{
  printf '%-9s %4s %10s %9s %11s %9s %8s  %s\n' tool run rows seconds rows/s rss_MB db_MB detail
  jq -r '[.tool, .run, .table_rows, .wall_seconds, .rows_per_second, .peak_rss_kb / 1024, .db_bytes / 1e6,
          (if .tool == "pandas" then "import \(.detail.import_seconds)s + read_parquet \(.detail.read_parquet_seconds)s + to_sql \(.detail.to_sql_seconds)s"
           else "index on Stream_Time included" end)] | @tsv' "$results" |
    awk -F'\t' '{ printf "%-9s %4d %10d %9.2f %11.0f %9.1f %8.1f  %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
} | tee "$out/results.txt"

# Medians over the runs; the ratio is pandas' wall time over timecast's.
jq -s --arg data "$data" --argjson accidents "$accidents" --argjson rows "$rows" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def summary(t): [.[] | select(.tool == t)] as $r | {
    wall_seconds: ([$r[].wall_seconds] | median),
    rows_per_second: ($rows / ([$r[].wall_seconds] | median)),
    peak_rss_kb: ([$r[].peak_rss_kb] | max),
    db_bytes: $r[0].db_bytes,
    table_rows_ok: all($r[]; .table_rows == $rows)};
  . as $all |
  { benchmark: "load_vs_pandas", dataset: $data, accidents: $accidents, rows: $rows,
    runs: ($all | map(.run) | max),
    timecast: ($all | summary("timecast")),
    pandas: (($all | summary("pandas")) + {
      read_parquet_seconds: ([$all[] | select(.tool == "pandas") | .detail.read_parquet_seconds] | median),
      to_sql_seconds: ([$all[] | select(.tool == "pandas") | .detail.to_sql_seconds] | median),
      import_seconds: ([$all[] | select(.tool == "pandas") | .detail.import_seconds] | median),
      pandas_version: ($all[] | select(.tool == "pandas") | .detail.pandas) }),
    target_ratio: 5,
    all_runs: $all } |
  .speedup = (.pandas.wall_seconds / .timecast.wall_seconds) |
  .speedup_vs_to_sql_only = (.pandas.to_sql_seconds / .timecast.wall_seconds) |
  .meets_target = (.speedup >= 5)' "$results" >"$out/results.json"

jq -r '"timecast load is \(.speedup * 100 | round / 100)x faster than pandas (read_parquet + to_sql, whole process); \(.speedup_vs_to_sql_only * 100 | round / 100)x against to_sql alone. Target >= 5x: \(if .meets_target then "met" else "NOT met" end)."' \
  "$out/results.json" | tee -a "$out/results.txt"
bench_report load-pandas "$out" accidents="$accidents" runs="$runs"
note "results: $out/results.json, $out/fragment.md"
exit "$status"
