#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with the bundle that make-bundle.sh built here
# carried along (device tool: carry [".bundle"]):
#     bash experiments/gpu/run-on-device.sh
# 1. unpacks the jlink'd Java runtime; 2. points LD_LIBRARY_PATH at the machine's CUDA 13 libraries
# (lib folders of the pip-installed nvidia cu13 packages, then the toolkit's lib64); 3. runs GpuChecks
# (lockstep, float64 reference fidelity, float32/float64 agreement with the CPU engine, the tf32/bf16 products
# against their Java twins, toy training curve, float32 benchmark); 3b. runs the command line on the GPU
# (cli-runs.sh gpu: train, JKO, eval, logp, sample, --gpu-math, resume after a kill) and compares it with the CPU
# answers in the bundle (compare_cli.py); 4. runs shared/bench/torch_otflow.py --device cuda at the same sizes,
# with and without TF32; 5. writes $OUT/summary.md (table) next to gpu_checks.json, torch_bench.jsonl,
# cli_checks.json, the logs and extras.tar.xz (env.txt, torch's stderr, the GPU runs' logs and outputs): 7 files,
# under the device tool's 8.
# Without a GPU it stops cleanly after GpuChecks reports why (exit 3).
# GPU_CHECKS_ARGS adds arguments to GpuChecks (--no-bench, --bench-only); SKIP_CLI=1 and SKIP_TORCH=1 leave out
# steps 3b and 4; PROFILE adds step 3a (PROFILE_ARGS=--emulate rehearses it); PARTS picks the command-line parts (cli-runs.sh); GPU_CHECKS_ARGS="--emulate --no-bench" rehearses the whole
# check program on the Java twins of the kernels, on a machine without a GPU (slow: raise GPU_CHECKS_TIMEOUT).
set -u
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
B="$root/.bundle"
OUT="${OUT:-$root/.gpu-out}"
mkdir -p "$OUT"
say() { echo "[run-on-device] $*"; }
[ -f "$B/jre.tar.xz" ] || { echo "run-on-device.sh: no bundle at $B: run experiments/gpu/make-bundle.sh first" >&2; exit 2; }

# 1. Java runtime. EXTRA collects the small logs that travel back as one file, extras.tar.xz
JRE_DIR="${TMPDIR:-/tmp}/cnf4j-jre-$$"
EXTRA="${TMPDIR:-/tmp}/cnf4j-extra-$$"
mkdir -p "$EXTRA"
trap 'rm -rf "$JRE_DIR" "$B/cpuref.d" "$EXTRA"' EXIT
mkdir -p "$JRE_DIR"
tar -C "$JRE_DIR" -xJf "$B/jre.tar.xz"
JAVA="$JRE_DIR/cnf4j-jre/bin/java"
"$JAVA" -version 2>&1 | head -1
mkdir -p "$B/cpuref.d"
for f in "$B"/cpuref/*.json.xz; do xz -dc "$f" > "$B/cpuref.d/$(basename "${f%.xz}")"; done

# 2. CUDA 13 libraries: pip nvidia packages (cu13), then the toolkit
roots=""
if command -v python3 >/dev/null 2>&1; then
    roots="$(python3 - <<'PY' 2>/dev/null
import site, sys
paths = set()
try:
    import nvidia
    paths.update(list(nvidia.__path__))
except Exception:
    pass
for p in site.getsitepackages() + [site.getusersitepackages()]:
    paths.add(p + "/nvidia")
print("\n".join(sorted(paths)))
PY
)"
fi
libdirs=""
add_dir() { case ":$libdirs:" in *":$1:"*) ;; *) libdirs="${libdirs:+$libdirs:}$1";; esac; }
for r in $roots; do
    [ -d "$r" ] || continue
    for f in $(find "$r" -maxdepth 4 \( -name 'libcudart.so.13*' -o -name 'libcublas.so.13*' -o -name 'libcublasLt.so.13*' \) 2>/dev/null); do
        add_dir "$(dirname "$f")"
    done
done
for d in /usr/local/cuda/lib64 /usr/local/cuda-13.0/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -d "$d" ] && add_dir "$d"
done
export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    for d in ${libdirs//:/ }; do ls "$d" 2>/dev/null | grep -E '^lib(cudart|cublas|cublasLt|cuda)\.so' | sed "s|^|$d/|"; done
    ldconfig -p 2>/dev/null | grep -E 'libcuda\.so\.1' || true
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm --format=csv 2>/dev/null || echo "nvidia-smi: not available"
} > "$EXTRA/env.txt" 2>&1
say "CUDA library dirs: $libdirs"
grep -E 'name|NVIDIA' "$EXTRA/env.txt" | head -3

# 3. GPU checks and benchmark
JOPTS=(-XX:+UseParallelGC -Dorg.bytedeco.javacpp.cachedir="${TMPDIR:-/tmp}/javacpp-cache")
CP="$B/app/cnf4j.jar:$B/app/cnf4j-gpu-checks.jar:$B/app/lib/*"
set -o pipefail
timeout "${GPU_CHECKS_TIMEOUT:-240}" "$JAVA" "${JOPTS[@]}" -cp "$CP" org.cnf4j.engine.cuda.GpuChecks \
    --ref "$B/ref/swissroll" --cpuref "$B/cpuref.d" --out "$OUT/gpu_checks.json" ${GPU_CHECKS_ARGS:-} 2>&1 | tee "$OUT/gpu_checks.log"
rc=$?
say "GpuChecks exit $rc"
if [ "$rc" = 3 ]; then
    say "no CUDA device: stopping (nothing to benchmark)"
    exit 3
fi

# 3a. PROFILE="D M N NT MATH;..." (MATH default|tf32): a training step's time per operation (GpuProfile), into
# $OUT/profile.txt, the eighth file back
if [ -n "${PROFILE:-}" ]; then
    IFS=';' read -r -a profiles <<< "$PROFILE"
    for pr in "${profiles[@]}"; do
        # shellcheck disable=SC2086
        timeout 180 "$JAVA" "${JOPTS[@]}" -cp "$CP" org.cnf4j.engine.cuda.GpuProfile $pr ${PROFILE_ARGS:-} 2>&1 | grep -v '^Warning' | tee -a "$OUT/profile.txt"
    done
fi

# 3b. the command line on the GPU against the CPU answers (CLI_MAIN=org.cnf4j.cli.EmulatedCli rehearses it here)
CLI_OUT="$EXTRA/cli"
if [ "${SKIP_CLI:-0}" != 1 ]; then
    export CNF4J="$JAVA -Xmx16g ${JOPTS[*]} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp $CP ${CLI_MAIN:-org.cnf4j.cli.Main}"
    CPU_TOY="$B/cpu/toy" timeout "${CLI_TIMEOUT:-300}" bash experiments/gpu/cli-runs.sh gpu "$CLI_OUT" "$B/clidata" 2>&1 | tee "$OUT/cli_runs.log"
    python3 experiments/gpu/compare_cli.py "$B/cpu" "$CLI_OUT" "$OUT/cli_checks.json" 2>&1 | tee -a "$OUT/cli_runs.log"
    cli_rc=$?
    say "command-line checks exit $cli_rc"
    [ "$cli_rc" = 0 ] || rc=1
fi

# 4. PyTorch on the same GPU, same sizes, float32
: > "$OUT/torch_bench.jsonl"
TORCH_ERR="$EXTRA/torch_bench.err"
: > "$TORCH_ERR"
if [ "${SKIP_TORCH:-0}" = 1 ]; then
    say "SKIP_TORCH=1: torch comparison skipped"
elif python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    # tf32=1 runs the same script with torch.backends.cuda.matmul.allow_tf32 on; each JSON line gets "tf32"
    for cfg in "43 256 2 2000 6 5" "43 256 2 20000 6 3" "2 32 2 2048 8 10" "63 512 2 300 14 5" "63 512 2 3000 14 3"; do
      for tf32 in 0 1; do
        set -- $cfg
        [ "$tf32" = 1 ] && [ "$1" = 2 ] && continue
        # the device call has a 10-minute limit: leave the summary and the extras time to be written
        if [ "$SECONDS" -gt "${TORCH_DEADLINE:-500}" ]; then say "past ${TORCH_DEADLINE:-500} s: torch d=$1 n=$4 tf32=$tf32 skipped"; continue; fi
        say "torch_otflow d=$1 m=$2 nTh=$3 n=$4 nt=$5 tf32=$tf32"
        timeout "${TORCH_TIMEOUT:-120}" python3 -c 'import runpy, sys, torch
torch.backends.cuda.matmul.allow_tf32 = sys.argv[1] == "1"
torch.backends.cudnn.allow_tf32 = sys.argv[1] == "1"
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")' "$tf32" "$B/bench/torch_otflow.py" --device cuda --d "$1" --m "$2" --nTh "$3" --n "$4" --nt "$5" \
            --dtype float32 --mode both --reps "$6" --warmup 2 --alph 1,100,15 2>> "$TORCH_ERR" \
            | python3 -c 'import json, sys
for l in sys.stdin:
    if l.strip(): d = json.loads(l); d["tf32"] = sys.argv[1] == "1"; print(json.dumps(d))' "$tf32" >> "$OUT/torch_bench.jsonl"
        [ "${PIPESTATUS[0]}" = 0 ] || echo "{\"bench\": \"torch_otflow\", \"config\": {\"d\": $1, \"m\": $2, \"nTh\": $3, \"n\": $4, \"nt\": $5}, \"tf32\": $([ $tf32 = 1 ] && echo true || echo false), \"error\": \"failed\"}" >> "$OUT/torch_bench.jsonl"
      done
    done
else
    say "python3/torch with CUDA not available: torch comparison skipped"
fi

# 5. summary table, then the extras (checkpoints left out: the logs and outputs are what the comparison read)
python3 - "$OUT" <<'PY' || true
import json, sys, os
out = sys.argv[1]
g = json.load(open(os.path.join(out, "gpu_checks.json")))
torch = {}
for line in open(os.path.join(out, "torch_bench.jsonl")):
    line = line.strip()
    if not line:
        continue
    t = json.loads(line)
    c = t["config"]
    torch[(c["d"], c["m"], c["n"], c["nt"], bool(t.get("tf32")))] = t
dev = g.get("device", "?")
peak = 67.0 if "H100" in dev or "H200" in dev else float("nan")   # FP32 non-tensor, SXM datasheet
lines = ["device: %s; FP32 peak used: %.0f TFLOP/s" % (dev, peak), "",
         "| size | cnf4j step s | torch step s | torch/cnf4j | cnf4j graphs s | cnf4j recompute s | cnf4j TF32 s | cnf4j BF16 s | torch TF32 s | torch TF32 / cnf4j TF32 | torch FP32 / cnf4j BF16 | cnf4j loss-only s | torch fwd s | cnf4j TFLOP/s (4 products) | % of FP32 peak |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
for r in g.get("bench", []) if isinstance(g.get("bench"), list) else []:
    key = (r["d"], r["m"], r["n"], r["nt"])
    t, t32 = torch.get(key + (False,), {}), torch.get(key + (True,), {})
    ts = t.get("fwdbwd", {}).get("median_s")
    tt = t32.get("fwdbwd", {}).get("median_s")
    tf = t.get("fwd", {}).get("median_s")
    s = r.get("step_median_s")
    f4 = lambda k: "%.4f" % r[k] if r.get(k) is not None else "n/a"
    ratio = lambda a, b: "%.2fx" % (a / b) if a and b else "n/a"
    lines.append("| d=%d m=%d nTh=%d n=%d nt=%d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["d"], r["m"], r["nTh"], r["n"], r["nt"],
        "%.4f" % s if s else r.get("error", "n/a"), "%.4f" % ts if ts else t.get("error", "n/a"), ratio(ts, s),
        f4("step_graph_median_s"), f4("step_recompute_median_s"), f4("step_tf32_median_s"), f4("step_bf16_median_s"),
        "%.4f" % tt if tt else "n/a", ratio(tt, r.get("step_tf32_median_s")), ratio(ts, r.get("step_bf16_median_s")),
        "%.4f" % r["loss_only_median_s"] if "loss_only_median_s" in r else "n/a", "%.4f" % tf if tf else "n/a",
        "%.2f" % r["tflops_step"] if "tflops_step" in r else "n/a",
        "%.1f%%" % (100 * r["tflops_step"] / peak) if "tflops_step" in r else "n/a"))
lines.append("")
lines.append("failures: %s" % (g.get("failures") or "none"))
lm = g.get("lockstep", {}).get("mismatches") if isinstance(g.get("lockstep"), dict) else None
lines.append("lockstep mismatches: %s" % (len(lm) if lm is not None else "n/a"))
cp = os.path.join(out, "cli_checks.json")
if os.path.exists(cp):
    c = json.load(open(cp))
    lines += ["", "command line: %d checks, failed: %s" % (len(c["checks"]), ", ".join(c["failures"]) or "none")]
    lines += ["| check | value | tol | pass |", "|---|---|---|---|"]
    lines += ["| %s | %s | %g | %s |" % (k["check"], "%.3e" % k["value"] if k["value"] is not None else "missing", k["tol"], k["pass"])
              for k in c["checks"] if "exits 0" not in k["check"]]
    lines += ["", "facts: " + json.dumps(c["facts"])]
text = "\n".join(lines)
open(os.path.join(out, "summary.md"), "w").write(text + "\n")
print(text)
PY
tar -C "$EXTRA" --exclude=checkpoint.bin -cJf "$OUT/extras.tar.xz" . || true
exit "$rc"
