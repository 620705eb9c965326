#!/usr/bin/env bash
# Rehearses a cluster submission on this machine: builds target/cnf4j-spark-assembly.jar (-Passembly), lays out a
# Spark home whose jars/ holds exactly Spark's own jars (links into the local Maven repository), and runs
#   spark-submit --master local-cluster[2,1,1024] --class org.cnf4j.spark.cli.SparkMain cnf4j-spark-assembly.jar score ...
# through Spark's SparkSubmit class, as bin/spark-submit does: two workers start one executor JVM each, whose classpath
# is that jars/ folder plus the assembly jar that the driver serves them. Checks the log-densities against cnf4j logp
# (string-equal, i.e. bit-identical), draws a sample of 4 partitions and trains a 2-cell sweep (a cell's weights against
# cnf4j train's). Needs the core installed (../cnf4j-spark does it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(cd .. && pwd)"
mvn -q -B package -DskipTests -Passembly
dist=target/spark-dist
rm -rf "$dist" && mkdir -p "$dist/jars"
# Spark's jars: the provided ones (in the compile classpath, not the runtime one) plus those the assembly leaves to Spark
comm -23 <(tr ':' '\n' < target/classpath.txt | sort) <(tr ':' '\n' < target/runtime-classpath.txt | sort) > "$dist/provided.txt"
tr ':' '\n' < target/runtime-classpath.txt | grep -E '/com/fasterxml/jackson/core/|/org/slf4j/|/commons-lang3/' >> "$dist/provided.txt"
while read -r j; do ln -s "$j" "$dist/jars/"; done < "$dist/provided.txt"
work="$(mktemp -d "${TMPDIR:-/tmp}/cnf4j-submit-XXXXXX")"
trap '[[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
"$root/cnf4j" import-otflow --weights "$root/src/test/resources/reference/otflow/swissroll/weights" \
  --config "$root/src/test/resources/reference/otflow/swissroll/config.json" --out "$work/run" >/dev/null
"$root/cnf4j" sample --model "$work/run" -n 3000 --seed 5 --output "$work/x.csv" >/dev/null
"$root/cnf4j" logp --model "$work/run" --input "$work/x.csv" --output "$work/logp.csv" >/dev/null
submit() {
  SPARK_HOME="$PWD/$dist" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 \
    java -Xmx1g $(cat target/jvm-options.txt) -Dlog4j2.configurationFile="$PWD/src/main/resources/org/cnf4j/spark/log4j2-cli.properties" -cp "$dist/jars/*" org.apache.spark.deploy.SparkSubmit \
    --master 'local-cluster[2,1,1024]' --conf spark.driver.host=127.0.0.1 --conf spark.ui.enabled=false \
    --conf spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=512M \
    --class org.cnf4j.spark.cli.SparkMain target/cnf4j-spark-assembly.jar "$@"
}
submit score --model "$work/run" --input "$work/x.csv" --output "$work/scored" --format csv --partitions 4
# --partitions shuffles the rows: compare (x0, x1, logp) as sorted text (Double.toString on both sides: equal text is equal bits)
got="$(for f in "$work"/scored/part-*.csv; do tail -n +2 "$f"; done | cut -d, -f1-3 | sort)"
want="$(paste -d, <(tail -n +2 "$work/x.csv") <(tail -n +2 "$work/logp.csv") | sort)"
if [[ "$got" != "$want" ]]; then echo "submit-check: FAILED: logp differs from cnf4j logp" >&2; exit 1; fi
submit sample --model "$work/run" -n 1000 --partitions 4 --seed 3 --output "$work/samples.csv" --with-logp
n="$(cat "$work"/samples.csv/part-*.csv | grep -vc '^x0')"
[[ "$n" == 1000 ]] || { echo "submit-check: FAILED: $n samples, expected 1000" >&2; exit 1; }
printf 'data: 8gaussians\niters: 6\nval-every: 3\nbatch: 256\nval-batch: 256\nno-plot: true\ngrid:\n  seed: [1, 2]\n' > "$work/grid.yaml"
submit sweep --grid "$work/grid.yaml" --out "$work/sweep"
"$root/cnf4j" train --data 8gaussians --iters 6 --val-every 3 --batch 256 --val-batch 256 --no-plot --seed 2 --out "$work/train" >/dev/null
for f in "$work"/train/weights/*.npy; do
  cmp -s "$f" "$work/sweep/cells/cell-001/weights/$(basename "$f")" || { echo "submit-check: FAILED: sweep cell differs from cnf4j train" >&2; exit 1; }
done
echo "submit-check: ok: through spark-submit on 2 executor JVMs, scored 3000 rows bit-identical to cnf4j logp, drew 1000 samples," \
  "trained a 2-cell sweep equal to cnf4j train"
