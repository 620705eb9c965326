#!/usr/bin/env bash
# Scoring throughput, cnf4j logp against cnf4j-spark score --master local[2], on the same rows (docs/SPARK.md).
#   spark/bench/score-throughput.sh [ROWS [REPEATS]]     (default 200000 rows, 2 repeats, interleaved)
# Trains a d=16 OT-Flow model (width 64, nt 4/8, 150 iterations) on 20000 rows of a synthetic mixture, draws ROWS
# more rows, and times: cnf4j logp CSV -> CSV; cnf4j-spark score CSV -> CSV; cnf4j-spark score Parquet -> Parquet.
# Wall time of each whole command (JVM and Spark start included), CPU time (user + sys), and the job's own time as
# cnf4j-spark prints it. Work files go to ${BENCH_DIR:-/tmp/cnf4j-spark-bench} and are kept for reuse.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rows="${1:-200000}"
repeats="${2:-2}"
dir="${BENCH_DIR:-/tmp/cnf4j-spark-bench}"
mkdir -p "$dir"
"$root/cnf4j-spark" --version >/dev/null    # builds the core and the module if needed
mod="$root/spark/target"
[[ -f "$dir/train16.csv" ]] || java "$here/Gen16.java" 20000 1 "$dir/train16.csv"
[[ -d "$dir/run16" ]] || "$root/cnf4j" train --data "$dir/train16.csv" --out "$dir/run16" --width 64 --nt 4 --nt-val 8 --iters 150 --val-every 50 --no-plot >/dev/null
if [[ ! -f "$dir/rows-$rows.csv" ]]; then java "$here/Gen16.java" "$rows" 2 "$dir/rows-$rows.csv"; fi
if [[ ! -d "$dir/rows-$rows.parquet" ]]; then
  SPARK_LOCAL_IP=127.0.0.1 java $(cat "$mod/jvm-options.txt") -cp "$(cat "$mod/classpath.txt"):$(cat "$mod/runtime-classpath.txt")" \
    "$here/ToParquet.java" "$dir/rows-$rows.csv" "$dir/rows-$rows.parquet" >/dev/null 2>&1
fi
timed() {  # label, command...: prints label, wall s, cpu s, and the command's last line
  local label="$1"; shift
  local t0 t1 out
  t0=$(date +%s.%N)
  out=$( { /usr/bin/env time -f "%U %S" "$@" 2>"$dir/time.err" >"$dir/out.txt"; } ; tail -1 "$dir/out.txt")
  t1=$(date +%s.%N)
  read -r u s < <(tail -1 "$dir/time.err")
  printf '%-34s %8.1f s wall %8.1f s cpu   %s\n' "$label" "$(echo "$t1 - $t0" | bc)" "$(echo "$u + $s" | bc)" "$out"
}
echo "rows: $rows, d=16, model $dir/run16; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$repeats"); do
  rm -rf "$dir/cli.csv" "$dir/spark-csv" "$dir/spark-parquet"
  timed "cnf4j logp csv->csv" "$root/cnf4j" logp --model "$dir/run16" --input "$dir/rows-$rows.csv" --output "$dir/cli.csv"
  timed "cnf4j-spark score csv->csv" "$root/cnf4j-spark" score --model "$dir/run16" --input "$dir/rows-$rows.csv" --output "$dir/spark-csv" --format csv --master 'local[2]'
  timed "cnf4j-spark score parquet->parquet" "$root/cnf4j-spark" score --model "$dir/run16" --input "$dir/rows-$rows.parquet" --output "$dir/spark-parquet" --master 'local[2]'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
