#!/usr/bin/env bash
# Rebuilds the committed fatbin of the GPU engine's kernels and its manifest:
#   src/main/resources/org/cnf4j/cuda/otflow_kernels.fatbin   SASS sm_80/86/89/90 + PTX compute_90
#   src/main/resources/org/cnf4j/cuda/otflow_kernels.manifest SHA-256 of each source and of the fatbin
# FatbinIntegrityTest checks that the manifest matches the sources and the fatbin, so after editing a
# .cu file run this script (needs nvcc 13.0: `which nvcc` or /usr/local/cuda*/bin/nvcc) and commit both.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$root/src/main/resources/org/cnf4j/cuda"
NVCC="${NVCC:-$(command -v nvcc || ls -d /usr/local/cuda*/bin/nvcc 2>/dev/null | head -n1 || true)}"
if [ -z "$NVCC" ] || [ ! -x "$NVCC" ]; then
    echo "build-fatbin.sh: nvcc not found (set NVCC=/path/to/nvcc)" >&2
    exit 1
fi
FLAGS=(-O3 -std=c++17 --fatbin
       -gencode arch=compute_80,code=sm_80
       -gencode arch=compute_86,code=sm_86
       -gencode arch=compute_89,code=sm_89
       -gencode arch=compute_90,code=sm_90
       -gencode arch=compute_90,code=compute_90)
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$NVCC" "${FLAGS[@]}" -Xptxas -v -o "$tmp/otflow_kernels.fatbin" "$here/otflow_kernels.cu" 2> "$tmp/ptxas.log" || { cat "$tmp/ptxas.log" >&2; exit 1; }
# keep the resource report of the sm_90 build next to the sources (registers, spills)
grep -A3 "for 'sm_90'" "$tmp/ptxas.log" | grep -E "Compiling entry|registers|spill" > "$here/ptxas-sm_90.txt" || true
cp "$tmp/otflow_kernels.fatbin" "$out/otflow_kernels.fatbin"
{
    echo "# written by src/main/cuda/build-fatbin.sh; checked by FatbinIntegrityTest"
    echo "nvcc $("$NVCC" --version | grep -o 'release [0-9.]*, V[0-9.]*')"
    echo "flags ${FLAGS[*]}"
    (cd "$here" && for f in $(ls *.cu | sort); do echo "source $(sha256sum "$f" | cut -d' ' -f1) $f"; done)
    echo "fatbin $(sha256sum "$out/otflow_kernels.fatbin" | cut -d' ' -f1) otflow_kernels.fatbin"
} > "$out/otflow_kernels.manifest"
echo "wrote $out/otflow_kernels.fatbin ($(stat -c %s "$out/otflow_kernels.fatbin") bytes) and its manifest"
