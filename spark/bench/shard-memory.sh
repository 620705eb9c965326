#!/usr/bin/env bash
# What holding a shard saves (docs/SPARK.md): cnf4j-spark train --executors 2 on local[2] over a ROWS x 16 float64 .npy
# file, under one fixed Java heap, with the default shards (each task streams the file and keeps its half) against
# --batch-shards 1 (the driver's check and both tasks each build the whole data set). Both runs are in one JVM (local
# mode: the driver and the two tasks), so the heap must hold what all of them keep at once.
#   spark/bench/shard-memory.sh [ROWS] [HEAP]     (default 4000000 rows = 512 MB of values, heap 2g)
# Prints, per variant: exit code, wall seconds, peak resident memory (MB) and the first error line, if any.
# Work files go to ${BENCH_DIR:-/tmp/cnf4j-spark-bench}.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rows="${1:-4000000}"
heap="${2:-2g}"
dir="${BENCH_DIR:-/tmp/cnf4j-spark-bench}"
mkdir -p "$dir"
"$root/cnf4j-spark" --version >/dev/null || exit 1   # builds the core and the module if needed
data="$dir/rows16-$rows.npy"
[[ -f "$data" ]] || java "$here/Gen16.java" "$rows" 1 "$data"
echo "date: $(date -u +%FT%TZ); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); cores: $(nproc); heap -Xmx$heap"
echo "data: $data, $(stat -c %s "$data") bytes"
printf '%-16s %4s %8s %10s  %s\n' variant rc seconds "peak MB" "error"
for v in shards-2 batch-shards-1; do
  out="$dir/mem-$v"
  rm -rf "$out"
  extra=""
  [[ "$v" == batch-shards-1 ]] && extra="--batch-shards 1"
  load=$(cut -d' ' -f1 /proc/loadavg)
  CNF4J_SPARK_JAVA_OPTS="-Xmx$heap" /usr/bin/time -f '%e %M' -o "$dir/time.txt" \
    "$root/cnf4j-spark" train --data "$data" --executors 2 --threads 1 --master 'local[2]' --width 16 --batch 2000 --val-batch 2000 \
      --nt 2 --nt-val 2 --iters 2 --val-every 2 --no-plot $extra --out "$out" >"$dir/mem-$v.out" 2>"$dir/mem-$v.err"
  rc=$?
  read -r secs kb < <(tail -1 "$dir/time.txt")
  err=$(grep -m1 -v '^\s*$' "$dir/mem-$v.err" | grep -i 'cnf4j\|error\|memory' | head -1 | cut -c1-150)
  printf '%-16s %4s %8s %10s  %s (load %s)\n' "$v" "$rc" "$secs" "$((kb / 1024))" "$err" "$load"
done
