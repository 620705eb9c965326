#!/usr/bin/env bash
# Times the OT-Flow loss in cnf4j and in the PyTorch anchor (shared/bench/torch_otflow.py) with
# identical arguments, one after the other, and prints both JSON lines and the ratio of medians.
#
#   jmh/compare.sh SIZE THREADS [extra bench args...]
#   jmh/compare.sh toy 1 --reps 2                 # quick check
#   jmh/compare.sh miniboone 2 --reps 3 --warmup 2 --mode fwdbwd
#   jmh/compare.sh all 1                          # toy, power and miniboone in turn
#
# SIZE: toy (d=2, m=32, nTh=2, n=2048, nt=8), power (d=6, m=128, nTh=2, n=10000, nt=10),
#       miniboone (d=43, m=256, nTh=2, n=2000, nt=6), or all. Extra arguments (--reps, --warmup,
#       --mode, --dtype, --seed, --alph, ...) go to both programs; later ones override the size's.
# Output per size: the cnf4j JSON line, the torch JSON line, then
#   {"compare": SIZE, "threads": T, "fwd_ratio": r, "fwdbwd_ratio": r}  with r = cnf4j median / torch median
#   (below 1: cnf4j is faster).
# Needs /usr/bin/python3 with torch and OpenBLAS (apt-get install -y python3-torch python3-numpy
# libopenblas0-pthread); PYTHON overrides it. Without libopenblas0-pthread, Debian's torch falls back to
# the reference BLAS (libblas3) and runs 3-12x slower: measured here, it would flatter cnf4j.
# Builds target/cnf4j.jar and target/lib/ with mvn package if they are missing or older than src/main
# or pom.xml (SKIP_BUILD=1 never builds). The classpath is target/cnf4j.jar alone: its manifest lists
# exactly the current jars in target/lib/, whereas target/lib/* can also hold stale versions left by
# an earlier build (copy-dependencies never deletes), e.g. two javacpp versions side by side.
# Both programs get OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = THREADS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."                                   # the repository root: relative paths below start here

usage() { echo "usage: jmh/compare.sh toy|power|miniboone|all THREADS [extra bench args...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
size="$1"; threads="$2"; shift 2
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || usage

python="${PYTHON:-/usr/bin/python3}"
torch_bench="../shared/bench/torch_otflow.py"
[[ -f "$torch_bench" ]] || { echo "compare.sh: $torch_bench not found (relative to $(pwd))" >&2; exit 1; }
if ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null | grep -q openblas; then
  echo "compare.sh: libblas.so.3 is not OpenBLAS: apt-get install -y libopenblas0-pthread (torch would use the slow reference BLAS)" >&2
  exit 1
fi
"$python" -c "import torch" 2>/dev/null || {
  echo "compare.sh: $python cannot import torch (apt-get install -y python3-torch python3-numpy)" >&2; exit 1; }

stale=0
if [[ ! -f target/cnf4j.jar || ! -d target/lib ]]; then
  stale=1
elif [[ -n "$(find src/main pom.xml -newer target/cnf4j.jar -type f -print -quit 2>/dev/null)" ]]; then
  stale=1
fi
if [[ "${SKIP_BUILD:-0}" != 1 && $stale == 1 ]]; then
  echo "compare.sh: building target/cnf4j.jar (mvn -q package -DskipTests)..." >&2
  mvn -q -B package -DskipTests >&2
fi

size_args() {
  case "$1" in
    toy)       echo "--d 2 --m 32 --nTh 2 --n 2048 --nt 8" ;;
    power)     echo "--d 6 --m 128 --nTh 2 --n 10000 --nt 10" ;;
    miniboone) echo "--d 43 --m 256 --nTh 2 --n 2000 --nt 6" ;;
    *) usage ;;
  esac
}

thread_env=(OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads")

compare_one() {
  local s="$1"; shift
  local args
  read -r -a args <<< "$(size_args "$s")"
  args+=(--threads "$threads" "$@")
  local j t
  j="$(env "${thread_env[@]}" java ${CNF4J_JAVA_OPTS:--Xmx4g} \
        -Dorg.bytedeco.javacpp.maxbytes=${CNF4J_MAXBYTES:-6G} -Dorg.bytedeco.javacpp.maxphysicalbytes=${CNF4J_MAXPHYS:-12G} \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -XX:+UseParallelGC \
        -cp target/cnf4j.jar org.cnf4j.cli.Main bench "${args[@]}")"
  echo "$j"
  t="$(env "${thread_env[@]}" "$python" "$torch_bench" "${args[@]}")"
  echo "$t"
  "$python" - "$s" "$threads" "$j" "$t" <<'PY'
import json, sys
size, threads, j, t = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
out = {"compare": size, "threads": threads}
for mode in ("fwd", "fwdbwd"):
    if mode in j and mode in t:
        out[mode + "_ratio"] = round(j[mode]["median_s"] / t[mode]["median_s"], 4)
        out[mode + "_median_s"] = {"cnf4j": j[mode]["median_s"], "torch": t[mode]["median_s"]}
        out[mode + "_peak_rss_mb"] = {"cnf4j": j[mode].get("peak_rss_mb"), "torch": t[mode].get("peak_rss_mb")}
print(json.dumps(out))
PY
}

if [[ "$size" == all ]]; then
  for s in toy power miniboone; do compare_one "$s" "$@"; done
else
  size_args "$size" > /dev/null
  compare_one "$size" "$@"
fi
