#!/usr/bin/env bash
# The JSON encoder alone (build/bench/encode_bench, Google Benchmark): 49-column
# accidents rows on one core, row by row with a reused buffer and whole
# 65,536-row batches into one buffer (as replay does). No broker, no files.
#
# Usage: bench/encode.sh [--quick]   (--quick: 0.2 s per benchmark instead of 1 s)
# Results: Google Benchmark's table on stdout, $work/encode/benchmark.json,
# results.json and fragment.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

min_time=1
[[ "${1:-}" == "--quick" ]] && min_time=0.2
out="$work/encode"
mkdir -p "$out"
"$build/bench/encode_bench" --benchmark_min_time="$min_time" \
  --benchmark_out="$out/benchmark.json" --benchmark_out_format=json
bench_report encode "$out"
