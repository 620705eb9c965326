#!/usr/bin/env bash
# Builds the cnf4j library and the JMH benchmarks, then runs them with results written as JSON.
#
#   jmh/run.sh                                   # everything: 2 benchmarks x 3 sizes x threads 1,2
#   jmh/run.sh -p size=toy -p threads=1          # extra arguments go to JMH unchanged
#   jmh/run.sh TrainingStep -p size=miniboone    # a benchmark-name regex selects benchmarks
#   jmh/run.sh -p size=toy -wi 1 -i 1 -f 1       # quick smoke run
#
# Environment: SKIP_BUILD=1 reuses an existing jmh/target/benchmarks.jar;
#              RESULTS=path.json chooses the result file (default jmh/results/jmh-<time>.json);
#              JAVA (default: java).
# Sizes: toy (d=2, m=32, nTh=2, n=2048, nt=8), power (d=6, m=128, n=10000, nt=10),
#        miniboone (d=43, m=256, n=2000, nt=6); all float32. MINIBOONE's training step takes seconds,
#        so a full run takes a while (roughly: 12 trials x 35-60 s plus JVM starts).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/benchmarks.jar"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "run.sh: installing cnf4j (mvn -q install -DskipTests)..." >&2
  (cd "$root" && mvn -q -B install -DskipTests) >&2
  echo "run.sh: building $jar..." >&2
  mvn -q -B -f "$here/pom.xml" package >&2
fi
[[ -f "$jar" ]] || { echo "run.sh: $jar is missing (build with SKIP_BUILD unset)" >&2; exit 1; }

results="${RESULTS:-$here/results/jmh-$(date +%Y%m%d-%H%M%S).json}"
mkdir -p "$(dirname "$results")"
echo "run.sh: results -> $results" >&2
"${JAVA:-java}" -jar "$jar" -rf json -rff "$results" "$@"
