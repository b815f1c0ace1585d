#!/usr/bin/env bash
# Times `timecast prepare` at Kaggle's full size (2,845,342 accidents ->
# 5,690,684 stream rows) from raw Parquet and from the Kaggle-shaped CSV, and
# `prepare --sort` of the raw Parquet by Start_Time. Prints wall time, CPU
# time, peak RSS and output size for each, and checks that prepare's output
# is the very file `generate --stream` writes for the same seed.
#
# Usage: bench/prepare_bench.sh [TIMECAST_BINARY] [ROWS] [-- PREPARE_FLAGS...]
#   TIMECAST_BINARY defaults to build/src/timecast; ROWS to 2845342.
#   Extra flags after -- go to every prepare run (e.g. -- --memory-rows 1000000).
#   Files go to a temporary directory, removed at the end unless KEEP=1.
# Results: lines on stdout and, for docs/BENCHMARKS.md, results.json and
# fragment.md in $TIMECAST_BENCH_DIR/prepare (default .deps/bench/prepare).
# Like generate_bench.sh it builds nothing, so it can time any build's binary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary=$root/build/src/timecast
rows=2845342
if [[ $# -gt 0 && $1 != -- ]]; then binary=$1; shift; fi
if [[ $# -gt 0 && $1 != -- ]]; then rows=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift
flags=("$@")
[[ -x $binary ]] || { echo "no executable at '$binary' (build it, or pass its path)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
out="${TIMECAST_BENCH_DIR:-$root/.deps/bench}/prepare"
mkdir -p "$out"
: >"$out/results.tsv"
started=$(date -u +%Y-%m-%dT%H:%MZ)
load=$(cut -d' ' -f1 /proc/loadavg)

dir=$(mktemp -d "${TMPDIR:-/tmp}/timecast-prepare-bench.XXXXXX")
if [[ ${KEEP:-0} != 1 ]]; then trap 'rm -rf "$dir"' EXIT; fi

echo "generating $rows accidents (raw Parquet, CSV, stream Parquet) in $dir" >&2
"$binary" generate --rows "$rows" -o "$dir/raw.parquet" 2>/dev/null
"$binary" generate --rows "$rows" --format csv -o "$dir/raw.csv" 2>/dev/null
"$binary" generate --rows "$rows" --stream -o "$dir/generated.parquet" 2>/dev/null

run() {
  local name=$1 output=$2
  shift 2
  /usr/bin/time -o "$dir/time.txt" -f '%e %U %S %M' \
    "$binary" prepare "$@" -o "$dir/$output" ${flags[@]+"${flags[@]}"} 2>"$dir/$name.err"
  local wall user sys rss_kb
  read -r wall user sys rss_kb <"$dir/time.txt"
  echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $rss_kb $(stat -c %s "$dir/$output")" >>"$out/results.tsv"
  awk -v name="$name" -v wall="$wall" -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')" \
      -v rss="$rss_kb" -v size="$(stat -c %s "$dir/$output")" \
      'BEGIN { printf "%-8s wall %6.2fs  cpu %6.2fs  peak RSS %5.0f MiB  output %7.1f MiB\n",
               name, wall, cpu, rss / 1024, size / 1048576 }'
  sed 's/^/         /' "$dir/$name.err"
}

echo "timecast prepare, $rows accidents, on $(nproc) cores ($(uptime | sed 's/.*load average/load average/'))"
run parquet from-parquet.parquet "$dir/raw.parquet"
run csv from-csv.parquet "$dir/raw.csv"
run sort sorted.parquet --sort --time-column Start_Time "$dir/raw.parquet"
: >"$out/identical.tsv"
status=0
for output in from-parquet from-csv; do
  if cmp -s "$dir/$output.parquet" "$dir/generated.parquet"; then
    echo "$output.parquet is byte-identical to generate --stream's output"
    echo "$output yes" >>"$out/identical.tsv"
  else
    echo "$output.parquet differs from generate --stream's output" >&2
    echo "$output no" >>"$out/identical.tsv"
    status=1
  fi
done
python3 "$root/bench/report.py" fragment prepare "$out" started="$started" load="$load" rows="$rows"
[[ ${KEEP:-0} == 1 ]] && echo "files kept in $dir"
exit "$status"
