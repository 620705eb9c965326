#!/usr/bin/env bash
# Builds, on this (CPU) machine, the self-contained bundle that experiments/gpu/run-on-device.sh runs on
# the GPU machine (no Java, no network there; at most 64 MiB travel). Output: .bundle/ at the repo root
# (git-ignored), carried with the device tool's `carry: [".bundle"]`:
#   jre.tar.xz        jlink'd Java 17 runtime (java.base, java.logging, jdk.unsupported, java.management,
#                     jdk.management for the memory checks, java.sql for jackson; no java.desktop: no plots)
#   app/cnf4j.jar     the project jar (kernel fatbin inside) and app/lib/ the jars the CUDA path needs
#                     (javacpp 1.5.13, cuda 13.1-9.19-1.5.13 JNI wrappers, jackson, slf4j); no ND4J
#   app/cnf4j-gpu-checks.jar  the verification harness, which lives in the test tree so that it is not in
#                     the production jar: GpuChecks, GpuCheckCases, GpuReference, LockstepDev, JavaDev, JavaKernels, and
#                     Emulation + cli.EmulatedCli (the command line on the Java twins, for a rehearsal without a GPU),
#                     GpuProfile + ProfilingDev (a training step's time per kernel and GEMM shape)
#   ref/swissroll/    the PyTorch reference fixtures (../shared does not travel)
#   cpuref/           the CPU engine's answers to GpuChecks' problems, computed here (GpuReference)
#   bench/            shared/bench/torch_otflow.py, the PyTorch timing anchor
#   clidata/, cpu/    the command-line runs' inputs (make-cli-data.py) and their CPU answers (cli-runs.sh cpu), which
#                     compare_cli.py compares with the GPU's; app/lib then also holds the jars the command line needs
#                     (picocli, SnakeYAML, Hipparchus, the file formats), still no ND4J: --device cuda never calls it
# Usage: experiments/gpu/make-bundle.sh [--jars-only]   (CNF4J_SHARED=/path/to/shared if not ../shared)
#   --jars-only rebuilds app/cnf4j.jar and the harness jar in an existing bundle and keeps the rest, the CPU answers
#   included: for a change to the GPU side only (the CPU answers take most of its 10 minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
shared="${CNF4J_SHARED:-$root/../shared}"
B="$root/.bundle"
[ -d "$shared/reference/otflow/swissroll" ] || { echo "make-bundle.sh: no $shared/reference/otflow/swissroll" >&2; exit 2; }

jars_only=0
[ "${1:-}" = --jars-only ] && jars_only=1
[ "$jars_only" = 0 ] || [ -f "$B/cpu/times.txt" ] || { echo "make-bundle.sh: --jars-only needs a complete bundle in $B" >&2; exit 2; }

echo "[make-bundle] mvn package"
# -DskipTests still compiles the tests (maven.test.skip would not): the harness comes from target/test-classes
mvn -q package -DskipTests

harness_jar() {
    echo "[make-bundle] harness jar (test classes)"
    local harness=(engine/cuda/GpuChecks engine/cuda/GpuCheckCases engine/cuda/GpuReference engine/cuda/LockstepDev engine/cuda/JavaDev
                   engine/cuda/JavaKernels engine/cuda/Emulation engine/cuda/ProfilingDev engine/cuda/GpuProfile cli/EmulatedCli)
    local classes=() c f
    for c in "${harness[@]}"; do
        [ -f "target/test-classes/org/cnf4j/$c.class" ] || { echo "make-bundle.sh: target/test-classes lacks $c" >&2; exit 1; }
        for f in target/test-classes/org/cnf4j/"$c".class target/test-classes/org/cnf4j/"$c"\$*.class; do
            [ -f "$f" ] && classes+=("${f#target/test-classes/}")
        done
    done
    (cd target/test-classes && jar cf "$B/app/cnf4j-gpu-checks.jar" "${classes[@]}")
}
if [ "$jars_only" = 1 ]; then
    cp target/cnf4j.jar "$B/app/"
    harness_jar
    echo "[make-bundle] refreshed the jars in $B"
    exit 0
fi

rm -rf "$B"
mkdir -p "$B/app/lib" "$B/ref" "$B/cpuref" "$B/bench"
cp target/cnf4j.jar "$B/app/"
need=(javacpp-1.5.13.jar javacpp-1.5.13-linux-x86_64.jar cuda-13.1-9.19-1.5.13.jar cuda-13.1-9.19-1.5.13-linux-x86_64.jar)
for j in "${need[@]}"; do cp "target/lib/$j" "$B/app/lib/"; done
cp target/lib/jackson-databind-2*.jar target/lib/jackson-core-2*.jar target/lib/jackson-annotations-2*.jar "$B/app/lib/"
# engine.Engines and the CUDA engine log warnings through slf4j (slf4j-simple writes them to stderr)
cp target/lib/slf4j-api-*.jar target/lib/slf4j-simple-*.jar "$B/app/lib/"
# the command line (cli-runs.sh): everything else but ND4J and what only it uses, and the plot libraries (the runs
# pass --no-plot: the bundle's runtime has no java.desktop)
for j in target/lib/*.jar; do
    case "$(basename "$j")" in
        nd4j-*|openblas-*|javacpp-1.5.7*|protobuf-*|guava-1.0*|jackson-1.0*|flatbuffers-*|jna-*|oshi-*|commons-net-*|commons-math3-*) ;;
        neoitertools-*|byteunits-*|threetenbp-*|batik-*|pdfbox-*|fontbox-*|graphics2d-*|xmlgraphics-*|jfreechart-*) ;;
        *) cp -n "$j" "$B/app/lib/" ;;
    esac
done

harness_jar

echo "[make-bundle] reference fixtures and torch script"
cp -r "$shared/reference/otflow/swissroll" "$B/ref/"
chmod -R u+w "$B/ref"
cp "$shared/bench/torch_otflow.py" "$B/bench/"
# shared/bench/torch_otflow.py creates two tensors without a device, so --device cuda fails with
# "Expected all tensors to be on the same device" (seen on the H100): give them the state's device.
sed -i -e 's/torch.full((n, 1), t, dtype=state.dtype)/torch.full((n, 1), t, dtype=state.dtype, device=state.device)/' \
       -e 's/torch.zeros(n, 3, dtype=x.dtype)/torch.zeros(n, 3, dtype=x.dtype, device=x.device)/' "$B/bench/torch_otflow.py"
grep -q 'dtype=x.dtype, device=x.device' "$B/bench/torch_otflow.py" || { echo "make-bundle.sh: torch script patch did not apply" >&2; exit 1; }

echo "[make-bundle] CPU engine answers (GpuReference)"
cp_full="target/cnf4j.jar:$B/app/cnf4j-gpu-checks.jar:$(ls target/lib/*.jar | grep -v 'javacpp-1\.5\.7' | tr '\n' ':')"
java -cp "$cp_full" org.cnf4j.engine.cuda.GpuReference "$B/ref/swissroll" "$B/cpuref" 2>&1 | grep GpuReference
xz -9 -T0 "$B"/cpuref/*.json

echo "[make-bundle] command-line runs on the CPU engine (cli-runs.sh cpu; about 8 minutes here)"
python3 experiments/gpu/make-cli-data.py "$B/clidata"
CNF4J="java -Xmx8g -XX:+UseParallelGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar $root/target/cnf4j.jar" \
    bash experiments/gpu/cli-runs.sh cpu "$B/cpu" "$B/clidata" > "$B/cpu-runs.log" 2>&1 || true
cat "$B/cpu-runs.log"
grep -q ' 0 ' "$B/cpu/times.txt" || { echo "make-bundle.sh: the CPU command-line runs failed" >&2; exit 1; }
awk '$2 != 0 { bad = 1; print "make-bundle.sh: CPU run " $1 " exited " $2 > "/dev/stderr" } END { exit bad }' "$B/cpu/times.txt"

echo "[make-bundle] jlink runtime"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jlink --add-modules java.base,java.logging,jdk.unsupported,java.management,jdk.management,java.sql \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output "$tmp/cnf4j-jre"
tar -C "$tmp" -cf - cnf4j-jre | xz -9 -T0 > "$B/jre.tar.xz"

size=$(du -sk "$B" | cut -f1)
echo "[make-bundle] .bundle is $((size / 1024)) MiB"
[ "$size" -lt $((60 * 1024)) ] || { echo "make-bundle.sh: bundle over 60 MiB" >&2; exit 1; }
