#!/usr/bin/env bash
# Data-parallel training steps, cnf4j train against cnf4j-spark train on local[2] (docs/SPARK.md).
#   spark/bench/train-steps.sh [ROUNDS]       (default 2 rounds, the variants interleaved within each)
# Per size, four runs of the same options (float32, as cnf4j train):
#   cnf4j train --threads 2 | cnf4j-spark train --executors 1 --threads 2 | --executors 2 --threads 1 | cnf4j train --threads 1
# and the seconds per iteration from each run's log.csv (between its first and last logged iteration: training only,
# no JVM or Spark start). Sizes: toy (8gaussians, the toy recipe: d=2, m=32, batch 2048, nt 8), d16 (a d=16 synthetic
# mixture, m=64, batch 1000, nt 8: the file recipe) and d16-big (the same with batch 16000).
# Work files go to ${BENCH_DIR:-/tmp/cnf4j-spark-bench}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${1:-2}"
dir="${BENCH_DIR:-/tmp/cnf4j-spark-bench}"
mkdir -p "$dir"
"$root/cnf4j-spark" --version >/dev/null    # builds the core and the module if needed
[[ -f "$dir/train16.csv" ]] || java "$here/Gen16.java" 20000 1 "$dir/train16.csv"
per_iter() {  # log.csv -> seconds per iteration between the first and the last logged iteration
  awk -F, 'NR==2 {i0=$1; s0=$9} NR>1 && $1 ~ /^[0-9]+$/ {i1=$1; s1=$9} END {printf "%.4f", (s1-s0)/(i1-i0)}' "$1"
}
size_flags() {
  case "$1" in
    toy) echo "--data 8gaussians --iters 40 --val-every 20" ;;
    d16) echo "--data $dir/train16.csv --width 64 --batch 1000 --nt 8 --nt-val 8 --iters 30 --val-every 15" ;;
    d16-big) echo "--data $dir/train16.csv --width 64 --batch 16000 --nt 8 --nt-val 8 --val-batch 1000 --iters 6 --val-every 3" ;;
  esac
}
echo "date: $(date -u +%FT%TZ); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); cores: $(nproc)"
echo "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}"
printf '%-8s %-5s %-34s %10s %8s\n' size round variant "s/iter" load1
for r in $(seq 1 "$rounds"); do
  for size in toy d16 d16-big; do
    flags=$(size_flags "$size")
    for v in train-2t spark-e1-2t spark-e2-1t train-1t; do
      out="$dir/dp-$size-$v"
      rm -rf "$out"
      load=$(cut -d' ' -f1 /proc/loadavg)
      case "$v" in
        train-2t) "$root/cnf4j" train $flags --threads 2 --no-plot --out "$out" >/dev/null ;;
        train-1t) "$root/cnf4j" train $flags --threads 1 --no-plot --out "$out" >/dev/null ;;
        spark-e1-2t) "$root/cnf4j-spark" train $flags --executors 1 --threads 2 --no-plot --master 'local[2]' --out "$out" >/dev/null ;;
        spark-e2-1t) "$root/cnf4j-spark" train $flags --executors 2 --threads 1 --no-plot --master 'local[2]' --out "$out" >/dev/null ;;
      esac
      printf '%-8s %-5s %-34s %10s %8s\n' "$size" "$r" "$v" "$(per_iter "$out/log.csv")" "$load"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
