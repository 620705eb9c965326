#!/usr/bin/env bash
# Builds, on this (CPU) machine, the self-contained bundle that experiments/gpu/run-on-device.sh runs on
# the GPU machine (no Java, no network there; at most 64 MiB travel). Output: .bundle/ at the repo root
# (git-ignored), carried with the device tool's `carry: [".bundle"]`:
#   jre.tar.xz        jlink'd Java 17 runtime (java.base, java.logging, jdk.unsupported, java.management)
#   app/cnf4j.jar     the project jar (kernel fatbin inside) and app/lib/ the jars the CUDA path needs
#                     (javacpp 1.5.13, cuda 13.1-9.19-1.5.13 JNI wrappers, jackson, slf4j); no ND4J
#   app/cnf4j-gpu-checks.jar  the verification harness, which lives in the test tree so that it is not in
#                     the production jar: GpuChecks, GpuCheckCases, GpuReference, LockstepDev, JavaDev, JavaKernels
#   ref/swissroll/    the PyTorch reference fixtures (../shared does not travel)
#   cpuref/           the CPU engine's answers to GpuChecks' problems, computed here (GpuReference)
#   bench/            shared/bench/torch_otflow.py, the PyTorch timing anchor
# Usage: experiments/gpu/make-bundle.sh   (CNF4J_SHARED=/path/to/shared if not ../shared)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
shared="${CNF4J_SHARED:-$root/../shared}"
B="$root/.bundle"
[ -d "$shared/reference/otflow/swissroll" ] || { echo "make-bundle.sh: no $shared/reference/otflow/swissroll" >&2; exit 2; }

echo "[make-bundle] mvn package"
# -DskipTests still compiles the tests (maven.test.skip would not): the harness comes from target/test-classes
mvn -q package -DskipTests
rm -rf "$B"
mkdir -p "$B/app/lib" "$B/ref" "$B/cpuref" "$B/bench"
cp target/cnf4j.jar "$B/app/"
need=(javacpp-1.5.13.jar javacpp-1.5.13-linux-x86_64.jar cuda-13.1-9.19-1.5.13.jar cuda-13.1-9.19-1.5.13-linux-x86_64.jar)
for j in "${need[@]}"; do cp "target/lib/$j" "$B/app/lib/"; done
cp target/lib/jackson-databind-2*.jar target/lib/jackson-core-2*.jar target/lib/jackson-annotations-2*.jar "$B/app/lib/"
# engine.Engines and the CUDA engine log warnings through slf4j (slf4j-simple writes them to stderr)
cp target/lib/slf4j-api-*.jar target/lib/slf4j-simple-*.jar "$B/app/lib/"

echo "[make-bundle] harness jar (test classes)"
harness=(GpuChecks GpuCheckCases GpuReference LockstepDev JavaDev JavaKernels)
classes=()
for c in "${harness[@]}"; do
    [ -f "target/test-classes/org/cnf4j/engine/cuda/$c.class" ] || { echo "make-bundle.sh: target/test-classes lacks $c" >&2; exit 1; }
    for f in target/test-classes/org/cnf4j/engine/cuda/"$c".class target/test-classes/org/cnf4j/engine/cuda/"$c"\$*.class; do
        [ -f "$f" ] && classes+=("${f#target/test-classes/}")
    done
done
(cd target/test-classes && jar cf "$B/app/cnf4j-gpu-checks.jar" "${classes[@]}")

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

echo "[make-bundle] jlink runtime"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jlink --add-modules java.base,java.logging,jdk.unsupported,java.management \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output "$tmp/cnf4j-jre"
tar -C "$tmp" -cf - cnf4j-jre | xz -9 -T0 > "$B/jre.tar.xz"

size=$(du -sk "$B" | cut -f1)
echo "[make-bundle] .bundle is $((size / 1024)) MiB"
[ "$size" -lt $((60 * 1024)) ] || { echo "make-bundle.sh: bundle over 60 MiB" >&2; exit 1; }
