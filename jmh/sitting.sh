#!/usr/bin/env bash
# One benchmark sitting: cnf4j vs PyTorch side by side (jmh/compare.sh) at 1 and 2 threads, then the
# JMH benchmarks (training step, Phi gradient+trace, GEMM reference), all on the same machine in one go.
#   jmh/sitting.sh OUT_DIR
# Writes OUT_DIR/compare-t1.jsonl, compare-t2.jsonl, jmh.json, machine.txt. Takes about 20 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
cd "$here/.."
{ date -u; uname -a; lscpu | grep -E "Model name|^CPU\(s\)|Thread|MHz" ; free -g | head -2; java -version 2>&1 | head -1;
  /usr/bin/python3 -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__)"; uptime; } > "$out/machine.txt"
mvn -q -B install -DskipTests >&2
SKIP_BUILD=1 "$here/compare.sh" toy 1 --reps 7 --warmup 2 --mode both | tee "$out/compare-t1.jsonl"
SKIP_BUILD=1 "$here/compare.sh" power 1 --reps 3 --warmup 1 --mode fwdbwd | tee -a "$out/compare-t1.jsonl"
SKIP_BUILD=1 "$here/compare.sh" miniboone 1 --reps 3 --warmup 1 --mode fwdbwd | tee -a "$out/compare-t1.jsonl"
SKIP_BUILD=1 "$here/compare.sh" toy 2 --reps 7 --warmup 2 --mode both | tee "$out/compare-t2.jsonl"
SKIP_BUILD=1 "$here/compare.sh" power 2 --reps 3 --warmup 1 --mode fwdbwd | tee -a "$out/compare-t2.jsonl"
SKIP_BUILD=1 "$here/compare.sh" miniboone 2 --reps 3 --warmup 1 --mode fwdbwd | tee -a "$out/compare-t2.jsonl"
mvn -q -B -f "$here/pom.xml" package >&2
java -jar "$here/target/benchmarks.jar" 'TrainingStep|PhiGradTrace' -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt"
java -jar "$here/target/benchmarks.jar" Gemm -t 1 -rf json -rff "$out/gemm-t1.json" | tail -3 | tee "$out/gemm.txt"
java -jar "$here/target/benchmarks.jar" Gemm -t 2 -rf json -rff "$out/gemm-t2.json" | tail -3 | tee -a "$out/gemm.txt"
uptime >> "$out/machine.txt"
