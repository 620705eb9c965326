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
# CORETYPE_NEW, CORETYPE_BASE, CORETYPE_TORCH: OPENBLAS_CORETYPE for that side's runs (TORCH: torchj's too; "-": unset, so its OpenBLAS
# picks the kernel for the CPU itself); a side whose variable is not given inherits the caller's OPENBLAS_CORETYPE.
# machine.txt records the kernel each side ran.
# JEMALLOC=1 adds a fourth side, torchj: the same torch with jemalloc preloaded and told to keep freed memory
# (apt-get install -y libjemalloc2). On a VM where page faults are dear, glibc's malloc maps and unmaps every large
# tensor, and torch spends more time faulting pages in than computing (2026-12-04: 4.3 million minor faults and 34 s
# of system time in a 43 s MINIBOONE fwd run); torchj is torch without that tax. TORCH_SIZES="toy-1 d16-1" limits
# the plain torch side to those rows (it takes minutes per step at the large sizes on such a VM).
# The summary's ratios are against each anchor and against the faster of the two.
# WARMUP=N replaces every row's --warmup for all sides (more untimed steps: the JVM's JIT is done before timing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
[[ $# -ge 2 ]] || { echo "usage: jmh/regression.sh BASE_JAR OUT_DIR [ROUNDS]" >&2; exit 2; }
base="$1"; out="$2"; rounds="${3:-2}"
[[ -f "$base" ]] || { echo "regression.sh: no $base" >&2; exit 2; }
mkdir -p "$out"
# the command prefix that gives one side its OPENBLAS_CORETYPE (see CORETYPE_*)
side_env() {
  local v
  case $1 in new) v="${CORETYPE_NEW-}" ;; base) v="${CORETYPE_BASE-}" ;; torch) v="${CORETYPE_TORCH-}" ;; esac
  case "$v" in "") echo "env" ;; -) echo "env -u OPENBLAS_CORETYPE" ;; *) echo "env OPENBLAS_CORETYPE=$v" ;; esac
}
[[ -f target/cnf4j.jar ]] || mvn -q -B package -DskipTests
torch_bench="../shared/bench/torch_otflow.py"
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
jemalloc_conf="dirty_decay_ms:-1,muzzy_decay_ms:-1,retain:true"
jvm=(-Xmx4g -Dorg.bytedeco.javacpp.maxbytes=6G -Dorg.bytedeco.javacpp.maxphysicalbytes=12G -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
     -Dorg.bytedeco.javacpp.logger=slf4j -Dorg.slf4j.simpleLogger.log.org.bytedeco=error -XX:+UseParallelGC)
{
  echo "date: $(date -u +%FT%TZ)"; echo "head: $(git rev-parse --short HEAD)"; echo "base jar: $base"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2); SIMD: $(grep -m1 flags /proc/cpuinfo | grep -o 'avx[0-9a-z_]*' | sort -u | tr '\n' ' ')"; echo "nproc: $(nproc)"; echo "java: $(java -version 2>&1 | head -1)"
  for who in new base; do
    jar=target/cnf4j.jar; [[ $who == base ]] && jar="$base"
    echo "cnf4j $who BLAS ($(side_env $who)), single-threaded per worker: $($(side_env $who) java "${jvm[@]}" -jar "$jar" bench --n 8 --reps 1 --warmup 0 --mode fwd 2>/dev/null | grep -o '"blas":"[^"]*"')"
    echo "  the core it picks here (OPENBLAS_VERBOSE=2): $($(side_env $who) OPENBLAS_VERBOSE=2 java "${jvm[@]}" -jar "$jar" bench --n 8 --reps 1 --warmup 0 --mode fwd 2>&1 >/dev/null | grep -m1 Core)"
  done
  echo "torch BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)"
  echo "torch threadpools ($(side_env torch)): $($(side_env torch) /usr/bin/python3 -c 'import torch, threadpoolctl; print(threadpoolctl.threadpool_info())' 2>/dev/null || echo unknown)"
  echo "torch config: $(/usr/bin/python3 -c 'import torch; print(torch.__config__.show())' 2>/dev/null | tr '\n' ' ' | head -c 600)"
  echo "torch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo none)"
  [[ "${JEMALLOC:-0}" == 1 ]] && echo "torchj: the same torch with LD_PRELOAD=$(readlink -f "$jemalloc") MALLOC_CONF=$jemalloc_conf"
  [[ -n "${TORCH_SIZES:-}" ]] && echo "plain torch only at: $TORCH_SIZES"
  [[ -n "${WARMUP:-}" ]] && echo "warm-up steps: $WARMUP for every side"
  env | grep -E '^(OPENBLAS_|OMP_|MKL_)' || echo "no OPENBLAS_/OMP_/MKL_ variables set"
} > "$out/machine.txt"
# NAME THREADS TORCH_REPS ARGS: the same ARGS for both cnf4j builds and torch, except that torch runs TORCH_REPS timed
# reps (its large sizes take tens of seconds per step)
sizes=(
  "toy 1 7 --d 2 --m 32 --nTh 2 --n 2048 --nt 8 --reps 7 --warmup 2 --mode both"
  "toy 2 7 --d 2 --m 32 --nTh 2 --n 2048 --nt 8 --reps 7 --warmup 2 --mode both"
  "d16 1 3 --d 16 --m 64 --nTh 2 --n 1000 --nt 8 --reps 5 --warmup 2 --mode both"
  "d16 2 3 --d 16 --m 64 --nTh 2 --n 1000 --nt 8 --reps 5 --warmup 2 --mode both"
  "d16w 1 3 --d 16 --m 128 --nTh 2 --n 1000 --nt 8 --reps 5 --warmup 2 --mode fwdbwd"
  "d16w 2 3 --d 16 --m 128 --nTh 2 --n 1000 --nt 8 --reps 5 --warmup 2 --mode fwdbwd"
  "power 2 1 --d 6 --m 128 --nTh 2 --n 10000 --nt 10 --reps 2 --warmup 1 --mode fwdbwd"
  "miniboone 2 1 --d 43 --m 256 --nTh 2 --n 2000 --nt 6 --reps 2 --warmup 1 --mode both"
  "bsds300 2 1 --d 63 --m 512 --nTh 2 --n 300 --nt 14 --reps 1 --warmup 1 --mode fwdbwd"
)
raw="$out/raw.jsonl"
: > "$raw"
whos="new base torch"; [[ "${JEMALLOC:-0}" == 1 ]] && whos="$whos torchj"
for spec in "${sizes[@]}"; do
  read -r name threads treps args <<< "$spec"
  [[ -n "${WARMUP:-}" ]] && args="$(sed -E "s/--warmup [0-9]+/--warmup $WARMUP/" <<< "$args")"
  if [[ -n "${SIZES:-}" && " $SIZES " != *" $name-$threads "* ]]; then continue; fi
  export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
  targs="$(sed -E "s/--reps [0-9]+/--reps $treps/" <<< "$args")"   # torch's arguments
  for r in $(seq 1 "$rounds"); do
    for who in $whos; do
      if [[ $who == torch && -n "${TORCH_SIZES:-}" && " $TORCH_SIZES " != *" $name-$threads "* ]]; then continue; fi
      load="$(cut -d' ' -f1 /proc/loadavg)"
      case $who in
        new)  line="$($(side_env new) java "${jvm[@]}" -jar target/cnf4j.jar bench $args --threads "$threads")" ;;
        base) line="$($(side_env base) java "${jvm[@]}" -jar "$base" bench $args --threads "$threads")" ;;
        torch) [[ "${TORCH:-1}" == 1 && -f "$torch_bench" ]] || continue
               line="$($(side_env torch) /usr/bin/python3 "$torch_bench" $targs --threads "$threads" 2>/dev/null | tail -1)" ;;
        torchj) [[ -f "$torch_bench" && -f "$jemalloc" ]] || { echo "regression.sh: torchj needs $torch_bench and $jemalloc" >&2; exit 2; }
               line="$($(side_env torch) LD_PRELOAD="$jemalloc" MALLOC_CONF="$jemalloc_conf" /usr/bin/python3 "$torch_bench" $targs --threads "$threads" 2>/dev/null | tail -1)" ;;
      esac
      echo "{\"size\":\"$name\",\"threads\":$threads,\"round\":$r,\"who\":\"$who\",\"load1\":$load,\"result\":$line}" | tee -a "$raw"
    done
  done
done
python3 - "$raw" > "$out/summary.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
whos = [w for w in ("new", "base", "torch", "torchj") if any(r["who"] == w for r in rows)]
anchors = [w for w in ("torch", "torchj") if w in whos]
cols = [f"{w} s" for w in whos] + ["new / base"] + [f"new / {a}" for a in anchors]
if len(anchors) == 2: cols.append("new / faster anchor")
print("| size | threads | mode | " + " | ".join(cols) + " | load (1 min) |")
print("|---|---|---|" + "---|" * len(cols) + "---|")
f = lambda x: "-" if x is None else f"{x:.3f}"
rat = lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}"
thr = []
for key in dict.fromkeys((r["size"], r["threads"]) for r in rows):
    mine = [r for r in rows if (r["size"], r["threads"]) == key]
    loads = [r["load1"] for r in mine]
    for mode in ("fwd", "fwdbwd"):
        med = {}
        for who in whos:
            v = [r["result"][mode]["median_s"] for r in mine if r["who"] == who and mode in r["result"]]
            med[who] = statistics.median(v) if v else None
        if med["new"] is None: continue
        cells = [f(med[w]) for w in whos] + [rat(med["new"], med.get("base"))] + [rat(med["new"], med[a]) for a in anchors]
        if len(anchors) == 2:
            fast = [med[a] for a in anchors if med[a] is not None]
            cells.append(rat(med["new"], min(fast)) if fast else "-")
        print(f"| {key[0]} | {key[1]} | {mode} | " + " | ".join(cells) + f" | {min(loads):.2f}-{max(loads):.2f} |")
        if mode == "fwd":
            n = mine[0]["result"]["config"]["n"]
            thr.append((key, n, med))
if thr:
    print()
    print("Inference (the loss forward without gradients, what logp and eval integrate), rows per second = n / median:")
    print()
    print("| size | threads | " + " | ".join(f"{w} rows/s" for w in whos) + " |")
    print("|---|---|" + "---|" * len(whos))
    g = lambda n, x: "-" if x is None else f"{n / x:,.0f}"
    for key, n, med in thr:
        print(f"| {key[0]} | {key[1]} | " + " | ".join(g(n, med[w]) for w in whos) + " |")
PY
cat "$out/summary.md"
