#!/usr/bin/env bash
# Benchmark: wall time of the whole default catalogue (every run and analysis, 3 seeds) with
# `snakemake --cores N`, data already fetched and decoded; then the no-op `snakemake -n` of the
# finished default workflow. Runs in a scratch copy, so results/ here is untouched.
#   benchmarks/catalogue_time.sh [cores]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cores=${1:-2}
snakemake="$here/.venv/bin/snakemake"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

[ -f "$here/data/fashion-mnist/train.pt" ] || (cd "$here" && "$snakemake" --cores "$cores" \
  data/fashion-mnist/train.pt data/fashion-mnist/test.pt >/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here"/{Snakefile,config.yaml,rules,scripts,schemas,captions,envs,profiles} "$work"/
mkdir -p "$work/data" && cp -r "$here/data/fashion-mnist" "$work/data/"
cd "$work"
# Record the copied data as made by this workflow, so that only experiments and analyses run.
"$snakemake" --cores 1 --touch data/fashion-mnist/train.pt data/fashion-mnist/test.pt >/dev/null 2>&1

# This machine's speed drifts by a third over a day: say how fast its cores multiply right now.
"$here/.venv/bin/python" - "$here/benchmarks" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import torch
from epoch_speed import matmul_gflops
torch.set_num_threads(1)
print(f"one core's fp32 matrix multiply now: {matmul_gflops():.0f} GFLOP/s")
PY

start=$(now_ms)
"$snakemake" --cores "$cores" catalogue -q progress >run.log 2>&1 || { tail -30 run.log; exit 1; }
echo "catalogue (every run and analysis, ${cores} cores): $(secs $(($(now_ms) - start))) s wall"
# Where it went: each job's own wall time, from its benchmark: file (the first column, s).
find results/benchmarks -name '*.tsv' -exec tail -n 1 {} \; | awk -v cores="$cores" \
  '{ s += $1; n++ } END { printf "  %d jobs, %.1f s of job time in all: %.1f s per core\n", n, s, s / cores }'

"$snakemake" --cores "$cores" -q progress >>run.log 2>&1 || { tail -30 run.log; exit 1; }
for i in 1 2 3; do
  start=$(now_ms)
  "$snakemake" --cores "$cores" -n >/dev/null 2>&1
  echo "no-op snakemake -n on the finished workflow, try $i: $(secs $(($(now_ms) - start))) s"
done
