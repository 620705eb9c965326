#!/usr/bin/env bash
# Same-sitting check that a change left the engine's speed alone: cnf4j at HEAD, cnf4j at a base commit and
# the PyTorch anchor, interleaved (new, base, torch, new, base, torch, ...) at the benchmark sizes, with the
# same arguments and threads. Prints every JSON line and, per size, the medians and the ratios new/base and
# new/torch; records the load average, the BLAS builds and the thread variables.
#
#   jmh/regression.sh BASE_JAR OUT_DIR [ROUNDS]
#
# BASE_JAR: target/cnf4j.jar built at the base commit in another worktree (its target/lib beside it), e.g.
#   git worktree add /tmp/base <commit> && (cd /tmp/base && mvn -q package -DskipTests)
# Needs what jmh/compare.sh needs for torch (python3-torch, libopenblas0-pthread); TORCH=0 skips torch;
# SIZES="toy-1 miniboone-2" runs only those rows (NAME-THREADS).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
[[ $# -ge 2 ]] || { echo "usage: jmh/regression.sh BASE_JAR OUT_DIR [ROUNDS]" >&2; exit 2; }
base="$1"; out="$2"; rounds="${3:-2}"
[[ -f "$base" ]] || { echo "regression.sh: no $base" >&2; exit 2; }
mkdir -p "$out"
[[ -f target/cnf4j.jar ]] || mvn -q -B package -DskipTests
torch_bench="../shared/bench/torch_otflow.py"
jvm=(-Xmx4g -Dorg.bytedeco.javacpp.maxbytes=6G -Dorg.bytedeco.javacpp.maxphysicalbytes=12G -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
     -Dorg.bytedeco.javacpp.logger=slf4j -Dorg.slf4j.simpleLogger.log.org.bytedeco=error -XX:+UseParallelGC)
{
  echo "date: $(date -u +%FT%TZ)"; echo "head: $(git rev-parse --short HEAD)"; echo "base jar: $base"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2); SIMD: $(grep -m1 flags /proc/cpuinfo | grep -o 'avx[0-9a-z_]*' | sort -u | tr '\n' ' ')"; echo "nproc: $(nproc)"; echo "java: $(java -version 2>&1 | head -1)"
  echo "cnf4j BLAS: OpenBLAS 0.3.19 bundled with ND4J 1.0.0-M2.1 (javacpp presets), single-threaded per worker;"
  echo "  the core it picks here (OPENBLAS_VERBOSE=2): $(OPENBLAS_VERBOSE=2 java "${jvm[@]}" -jar target/cnf4j.jar bench --n 8 --reps 1 --warmup 0 --mode fwd 2>&1 >/dev/null | grep -m1 Core)"
  echo "torch BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)"
  echo "torch threadpools: $(/usr/bin/python3 -c 'import torch, threadpoolctl; print(threadpoolctl.threadpool_info())' 2>/dev/null || echo unknown)"
  echo "torch config: $(/usr/bin/python3 -c 'import torch; print(torch.__config__.show())' 2>/dev/null | tr '\n' ' ' | head -c 600)"
  echo "torch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo none)"
  env | grep -E '^(OPENBLAS_|OMP_|MKL_)' || echo "no OPENBLAS_/OMP_/MKL_ variables set"
} > "$out/machine.txt"
# NAME THREADS TORCH_REPS ARGS: the same ARGS for both cnf4j builds and torch, except that torch runs TORCH_REPS timed
# reps (its large sizes take tens of seconds per step)
sizes=(
  "toy 1 7 --d 2 --m 32 --nTh 2 --n 2048 --nt 8 --reps 7 --warmup 2 --mode both"
  "toy 2 7 --d 2 --m 32 --nTh 2 --n 2048 --nt 8 --reps 7 --warmup 2 --mode both"
  "d16 1 3 --d 16 --m 64 --nTh 2 --n 1000 --nt 8 --reps 5 --warmup 2 --mode both"
  "d16 2 3 --d 16 --m 64 --nTh 2 --n 1000 --nt 8 --reps 5 --warmup 2 --mode both"
  "power 2 1 --d 6 --m 128 --nTh 2 --n 10000 --nt 10 --reps 2 --warmup 1 --mode fwdbwd"
  "miniboone 2 1 --d 43 --m 256 --nTh 2 --n 2000 --nt 6 --reps 2 --warmup 1 --mode both"
  "bsds300 2 1 --d 63 --m 512 --nTh 2 --n 300 --nt 14 --reps 1 --warmup 1 --mode fwdbwd"
)
raw="$out/raw.jsonl"
: > "$raw"
for spec in "${sizes[@]}"; do
  read -r name threads treps args <<< "$spec"
  if [[ -n "${SIZES:-}" && " $SIZES " != *" $name-$threads "* ]]; then continue; fi
  export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
  for r in $(seq 1 "$rounds"); do
    for who in new base torch; do
      load="$(cut -d' ' -f1 /proc/loadavg)"
      case $who in
        new)  line="$(java "${jvm[@]}" -jar target/cnf4j.jar bench $args --threads "$threads")" ;;
        base) line="$(java "${jvm[@]}" -jar "$base" bench $args --threads "$threads")" ;;
        torch) [[ "${TORCH:-1}" == 1 && -f "$torch_bench" ]] || continue
               targs="$(sed -E "s/--reps [0-9]+/--reps $treps/" <<< "$args")"
               line="$(/usr/bin/python3 "$torch_bench" $targs --threads "$threads" 2>/dev/null | tail -1)" ;;
      esac
      echo "{\"size\":\"$name\",\"threads\":$threads,\"round\":$r,\"who\":\"$who\",\"load1\":$load,\"result\":$line}" | tee -a "$raw"
    done
  done
done
python3 - "$raw" > "$out/summary.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| size | threads | mode | new s | base s | torch s | new / base | new / torch | load (1 min) |")
print("|---|---|---|---|---|---|---|---|---|")
f = lambda x: "-" if x is None else f"{x:.3f}"
rat = lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}"
thr = []
for key in dict.fromkeys((r["size"], r["threads"]) for r in rows):
    mine = [r for r in rows if (r["size"], r["threads"]) == key]
    loads = [r["load1"] for r in mine]
    for mode in ("fwd", "fwdbwd"):
        med = {}
        for who in ("new", "base", "torch"):
            v = [r["result"][mode]["median_s"] for r in mine if r["who"] == who and mode in r["result"]]
            med[who] = statistics.median(v) if v else None
        if med["new"] is None: continue
        print(f"| {key[0]} | {key[1]} | {mode} | {f(med['new'])} | {f(med['base'])} | {f(med['torch'])} | "
              f"{rat(med['new'], med['base'])} | {rat(med['new'], med['torch'])} | {min(loads):.2f}-{max(loads):.2f} |")
        if mode == "fwd":
            n = mine[0]["result"]["config"]["n"]
            thr.append((key, n, med))
if thr:
    print()
    print("Inference (the loss forward without gradients, what logp and eval integrate), rows per second = n / median:")
    print()
    print("| size | threads | new rows/s | base rows/s | torch rows/s |")
    print("|---|---|---|---|---|")
    g = lambda n, x: "-" if x is None else f"{n / x:,.0f}"
    for key, n, med in thr:
        print(f"| {key[0]} | {key[1]} | {g(n, med['new'])} | {g(n, med['base'])} | {g(n, med['torch'])} |")
PY
cat "$out/summary.md"
