#!/usr/bin/env bash
# Times `timecast generate` at Kaggle's full size (2,845,342 accidents): raw
# Parquet, stream Parquet (5,690,684 rows) and CSV. Prints wall time, CPU time,
# peak RSS and file size for each.
#
# Usage: bench/generate_bench.sh [TIMECAST_BINARY] [ROWS]
#   TIMECAST_BINARY defaults to build/src/timecast; ROWS to 2845342.
#   Files go to a temporary directory, removed at the end unless KEEP=1.
# Results: lines on stdout and, for docs/BENCHMARKS.md, results.json and
# fragment.md in $TIMECAST_BENCH_DIR/generate (default .deps/bench/generate).
# Unlike the scripts using lib.sh it builds nothing, so it can time any build
# directory's binary (e.g. build-gen/src/timecast).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary=${1:-$root/build/src/timecast}
rows=${2:-2845342}
[[ -x $binary ]] || { echo "no executable at '$binary' (build it, or pass its path)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
out="${TIMECAST_BENCH_DIR:-$root/.deps/bench}/generate"
mkdir -p "$out"
: >"$out/results.tsv"
started=$(date -u +%Y-%m-%dT%H:%MZ)
load=$(cut -d' ' -f1 /proc/loadavg)

dir=$(mktemp -d "${TMPDIR:-/tmp}/timecast-generate-bench.XXXXXX")
if [[ ${KEEP:-0} != 1 ]]; then trap 'rm -rf "$dir"' EXIT; fi

run() {
  local name=$1 file=$2
  shift 2
  /usr/bin/time -o "$dir/time.txt" -f '%e %U %S %M' \
    "$binary" generate --rows "$rows" -o "$dir/$file" "$@" 2>/dev/null
  local wall user sys rss_kb
  read -r wall user sys rss_kb <"$dir/time.txt"
  echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $rss_kb $(stat -c %s "$dir/$file")" >>"$out/results.tsv"
  awk -v name="$name" -v wall="$wall" -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')" \
      -v rss="$rss_kb" -v size="$(stat -c %s "$dir/$file")" \
      'BEGIN { printf "%-7s wall %6.2fs  cpu %6.2fs  peak RSS %5.0f MiB  size %7.1f MiB\n",
               name, wall, cpu, rss / 1024, size / 1048576 }'
}

echo "timecast generate --rows $rows on $(nproc) cores ($(uptime | sed 's/.*load average/load average/'))"
run raw raw.parquet
run stream stream.parquet --stream
run csv raw.csv --format csv
python3 "$root/bench/report.py" fragment generate "$out" started="$started" load="$load" rows="$rows"
[[ ${KEEP:-0} == 1 ]] && echo "files kept in $dir"
exit 0
