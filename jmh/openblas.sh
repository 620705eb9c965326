#!/usr/bin/env bash
# Compares two OpenBLAS builds (JavaCPP presets org.bytedeco:openblas) at the CPU engine's GEMM shapes:
# builds one JMH jar per version (jmh/target/benchmarks-openblas-VERSION.jar, GemmShapesBenchmark), then runs
# them interleaved (A, B, A, B, ...) with one JMH thread and one OpenBLAS thread, and writes the JSON results,
# the load averages, the environment and a summary table (median GFLOP/s per shape and version, and the ratio).
#
#   jmh/openblas.sh                                  # build both jars, 2 rounds of A,B over all 19 shapes
#   SKIP_BUILD=1 jmh/openblas.sh                     # reuse the jars
#   jmh/openblas.sh -p shape=32x512x32:NN,256x4128x256:NN   # extra arguments go to JMH (here: fewer shapes)
#
# Environment:
#   VERSIONS   the presets versions, A first (default "0.3.19-1.5.7 0.3.31-1.5.13"); ratio = each / first. An entry
#              VERSION@CORE runs that version with OPENBLAS_CORETYPE=CORE, VERSION@- with it unset (so the library
#              picks the kernel for the CPU itself); a plain VERSION inherits the caller's OPENBLAS_CORETYPE. E.g.
#              VERSIONS="0.3.19-1.5.7@Haswell 0.3.19-1.5.7@SkylakeX 0.3.31-1.5.13@-"
#   ROUNDS     rounds of A,B (default 2)
#   JMH_OPTS   default "-t 1 -wi 2 -w 1s -i 3 -r 1s -f 1" (about 2 minutes per version and round for 19 shapes)
#   M2_REPO    the Maven local repository used for the build (default /tmp/cnf4j-openblas-m2, seeded once by
#              copying ~/.m2/repository), so that installing this checkout's cnf4j (which the jmh project
#              depends on) never replaces the cnf4j in ~/.m2
#   MVN_FLAGS  extra Maven flags, e.g. -o once everything is downloaded
#   OUT        the output folder (default jmh/results/openblas-<time>)
#   JAVA       default java
# OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are passed through as they are and recorded.
# Output in OUT: env.txt, info-VERSION.txt (ND4J check, openblas_get_config/corename), rR-VERSION.json/.log
# (JMH), loads.txt (uptime before each run), summary.md (the table and the loads; also printed).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
read -r -a versions <<< "${VERSIONS:-0.3.19-1.5.7 0.3.31-1.5.13}"
rounds="${ROUNDS:-2}"
read -r -a jmh_opts <<< "${JMH_OPTS:--t 1 -wi 2 -w 1s -i 3 -r 1s -f 1}"
repo="${M2_REPO:-/tmp/cnf4j-openblas-m2}"
read -r -a mvn_flags <<< "${MVN_FLAGS:-}"
java="${JAVA:-java}"
jar_of() { echo "$here/target/benchmarks-openblas-${1%%@*}.jar"; }
# the command prefix that gives an entry its OPENBLAS_CORETYPE (see VERSIONS)
env_of() {
  case "$1" in
    *@-) echo "env -u OPENBLAS_CORETYPE" ;;
    *@*) echo "env OPENBLAS_CORETYPE=${1##*@}" ;;
    *) echo "env" ;;
  esac
}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  if [[ ! -d "$repo" ]]; then
    echo "openblas.sh: seeding $repo from ~/.m2/repository" >&2
    mkdir -p "$(dirname "$repo")" && cp -a "$HOME/.m2/repository" "$repo"
  fi
  echo "openblas.sh: installing cnf4j into $repo (mvn install -DskipTests)..." >&2
  (cd "$root" && mvn -B -q "${mvn_flags[@]}" -Dmaven.repo.local="$repo" install -DskipTests \
      -Dmaven.javadoc.skip=true -Dmaven.source.skip=true) >&2
  for v in $(printf '%s\n' "${versions[@]%%@*}" | sort -u); do
    echo "openblas.sh: building $(jar_of "$v")..." >&2
    mvn -B -q "${mvn_flags[@]}" -Dmaven.repo.local="$repo" -f "$here/pom.xml" package \
        -Dopenblas.presets.version="$v" -Duberjar.name="benchmarks-openblas-$v" >&2
  done
fi
for v in "${versions[@]}"; do
  [[ -f "$(jar_of "$v")" ]] || { echo "openblas.sh: $(jar_of "$v") is missing (build with SKIP_BUILD unset)" >&2; exit 1; }
done

out="${OUT:-$here/results/openblas-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
# JavaCPP extracts the natives per jar name, so each version gets its own folder here
javacpp_cache="$here/target/javacpp-cache"
jvm=(-Dorg.bytedeco.javacpp.cachedir="$javacpp_cache" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cpus," \
       "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512[a-z]*)$' | xargs)"
  echo "java: $("$java" -version 2>&1 | head -1)"
  echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>}"
  echo "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS-<unset>}"
  echo "OMP_NUM_THREADS=${OMP_NUM_THREADS-<unset>}"
  echo "versions (A first): ${versions[*]}"
  echo "rounds: $rounds"
  echo "jmh options: ${jmh_opts[*]} $*"
} | tee "$out/env.txt" >&2

for v in "${versions[@]}"; do
  $(env_of "$v") "$java" --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED "${jvm[@]}" \
      -cp "$(jar_of "$v")" "$here/OpenBlasInfo.java" 2>&1 | grep -v -i 'incubat\|^1 warning$' > "$out/info-$v.txt" || true
  echo "== $v" >&2; cat "$out/info-$v.txt" >&2
done

: > "$out/loads.txt"
for ((r = 1; r <= rounds; r++)); do
  for v in "${versions[@]}"; do
    line="round $r $v: $(uptime)"
    echo "$line" | tee -a "$out/loads.txt" >&2
    $(env_of "$v") "$java" "${jvm[@]}" -jar "$(jar_of "$v")" GemmShapesBenchmark "${jmh_opts[@]}" \
        -rf json -rff "$out/r$r-$v.json" "$@" > "$out/r$r-$v.log" 2>&1 \
      || { echo "openblas.sh: JMH failed, see $out/r$r-$v.log" >&2; tail -20 "$out/r$r-$v.log" >&2; exit 1; }
  done
done
echo "after: $(uptime)" | tee -a "$out/loads.txt" >&2

python3 - "$out" "$rounds" "${versions[@]}" > "$out/summary.md" <<'EOF'
import json, os, statistics, sys
out, rounds, versions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def flops(shape):
    m, n, k = (int(x) for x in shape.split(":")[0].split("x"))
    return 2.0 * m * n * k
# gflops[shape][version] = GFLOP/s of every measurement iteration of every round; per_round the rounds' scores
gflops, per_round, order = {}, {}, []
for r in range(1, rounds + 1):
    for v in versions:
        for res in json.load(open(os.path.join(out, "r%d-%s.json" % (r, v)))):
            s = res["params"]["shape"]
            if s not in order: order.append(s)
            pm = res["primaryMetric"]
            assert pm["scoreUnit"] == "us/op", pm["scoreUnit"]
            its = [flops(s) / (us * 1e3) for fork in pm["rawData"] for us in fork]
            gflops.setdefault(s, {}).setdefault(v, []).extend(its)
            per_round.setdefault(s, {}).setdefault(v, []).append(flops(s) / (pm["score"] * 1e3))
a = versions[0]
print("GFLOP/s = 2 M N K / time, single-threaded sgemm (row-major, alpha 1, beta 0); median over all measurement")
print("iterations of all %d rounds; (min-max) of those iterations; x = that entry's median / %s's (above 1: faster)." % (rounds, a))
print("Entries are VERSION[@OPENBLAS_CORETYPE] (@-: unset; the kernel each ran is in info-ENTRY.txt).")
print()
print("| shape (MxNxK:op) | " + " | ".join("%s median (min-max)%s" % (v, "" if v == a else ", x") for v in versions) + " |")
print("|---|" + "---|" * len(versions))
for s in order:
    if any(not gflops[s].get(v) for v in versions): continue
    ma = statistics.median(gflops[s][a])
    cells = []
    for v in versions:
        g = gflops[s][v]; m = statistics.median(g)
        cells.append("%.1f (%.1f-%.1f)%s" % (m, min(g), max(g), "" if v == a else ", **%.2f**" % (m / ma)))
    print("| %s | %s |" % (s, " | ".join(cells)))
EOF
{ echo; echo "Load averages (uptime) before each run:"; echo; sed 's/^/    /' "$out/loads.txt"; } >> "$out/summary.md"
echo >&2
cat "$out/summary.md"
echo
echo "openblas.sh: results in $out" >&2
