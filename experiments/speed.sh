#!/usr/bin/env bash
# Experiment 3: training steps per second of cnf4j versus ../shared/bench/torch_otflow.py at the benchmark
# sizes (toy, POWER, MINIBOONE), on 1 and 2 threads, one after the other in one sitting, then the report
# (results.csv, results.md, steps-per-second.png) in experiments/results/speed/.
#
#   experiments/speed.sh                 # reps 2, warmup 1 (about 25 minutes on 2 cores: torch is slow)
#   experiments/speed.sh --reps 3        # extra arguments go to jmh/compare.sh (and on to both programs)
#   QUICK=1 experiments/speed.sh         # toy size only, 1 thread, 2 reps: a minute
#
# Needs what jmh/compare.sh needs: /usr/bin/python3 with torch and OpenBLAS
# (apt-get install -y python3-torch python3-numpy libopenblas0-pthread). Run it on a quiet machine: anything
# else running skews both timings. POWER in torch peaks near 12 GB of memory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
out=experiments/results/speed
mkdir -p "$out"
raw="$out/raw.jsonl"
tmp="$(mktemp "$out/.raw.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
if [[ "${QUICK:-0}" == 1 ]]; then
  sizes=(toy); threads=(1); args=(--reps 2 --warmup 1 --mode fwdbwd)
else
  sizes=(toy power miniboone); threads=(1 2); args=(--reps 2 --warmup 1 --mode fwdbwd)
fi
args+=("$@")
for t in "${threads[@]}"; do
  for s in "${sizes[@]}"; do
    echo "speed.sh: $s on $t thread(s)..." >&2
    jmh/compare.sh "$s" "$t" "${args[@]}" | tee -a "$tmp"
  done
done
mv "$tmp" "$raw"
trap - EXIT
./cnf4j experiment speed-report --input "$raw" --out "$out" --command "experiments/speed.sh${*:+ $*}"
