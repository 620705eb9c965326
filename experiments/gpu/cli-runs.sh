#!/usr/bin/env bash
# The command-line runs of the GPU check, defined once for both sides so that they are the same commands:
#   cli-runs.sh cpu OUTDIR DATADIR   here, by make-bundle.sh: the CPU engine's answers (carried in the bundle)
#   cli-runs.sh gpu OUTDIR DATADIR   on the GPU machine, by run-on-device.sh: the same with --device cuda, plus
#                                    what only the GPU side runs (--gpu-math tf32, more seeds, resume after a kill)
# PARTS picks the parts (default: common math resume seeds); compare_cli.py checks those that ran (OUTDIR/parts.txt).
# CNF4J is the command that runs cnf4j (./cnf4j here; the bundle's java -cp ... org.cnf4j.cli.Main there;
# org.cnf4j.cli.EmulatedCli for a rehearsal on the kernels' Java twins). DATADIR holds syn43.npy (make-bundle.sh).
# Every command's output goes to OUTDIR/NAME.out and its exit code and wall time (ms) to OUTDIR/times.txt;
# compare_cli.py reads them. Plots are off (--no-plot): the bundle's runtime has no java.desktop.
# Rehearsal knobs: TOY_ITERS, SYN_ITERS, JKO_ITERS, RESUME_ITERS (defaults are the real sizes); SYN_EXTRA and
# EVAL_EXTRA add options to the d = 43 trainings and to every eval (a rehearsal: --batch 40 --val-batch 40, --max-test 40).
set -u
side=$1; out=$2; data=$3
mkdir -p "$out"
: > "$out/times.txt"
dev=cpu; [ "$side" = gpu ] && dev=cuda
read -r -a C <<< "${CNF4J:?set CNF4J to the command that runs cnf4j}"
step() {  # step NAME ARGS...: run cnf4j ARGS, record exit code and milliseconds
    local name=$1; shift
    local t0; t0=$(date +%s%N)
    "${C[@]}" "$@" > "$out/$name.out" 2>&1
    local rc=$?
    echo "$name $rc $(( ($(date +%s%N) - t0) / 1000000 ))" >> "$out/times.txt"
    echo "[cli-runs $side] $name: exit $rc, $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}
toy_iters=(); [ -n "${TOY_ITERS:-}" ] && toy_iters=(--iters "$TOY_ITERS")
read -r -a syn_extra <<< "${SYN_EXTRA:-}"
read -r -a eval_extra <<< "${EVAL_EXTRA:-}"

parts=${PARTS:-common math resume seeds}
echo "$parts" > "$out/parts.txt"
has() { case " $parts " in *" $1 "*) return 0;; esac; return 1; }

# common: the same commands on both sides
if has common; then
    # 1. the README's main job (8gaussians, float32, the toy recipe), its evaluation and the model commands
    step toy train --data 8gaussians --out "$out/toy" --device $dev --no-plot "${toy_iters[@]}"
    step toy-eval eval --model "$out/toy" --device $dev --output "$out/toy-eval.json" "${eval_extra[@]}"
    # 2. one model (the CPU-trained toy, carried in the bundle as cpu/toy) through every model command in float64
    model="${CPU_TOY:-$out/toy}"
    step m-logp logp --model "$model" --input "$data/points.csv" --output "$out/m-logp.npy" --device $dev --dtype float64
    step m-sample sample --model "$model" -n 500 --seed 3 --with-logp --output "$out/m-sample.npy" --device $dev --dtype float64
    step m-eval eval --model "$model" --device $dev --dtype float64 --output "$out/m-eval.json" "${eval_extra[@]}"
    # 3. a MINIBOONE-sized file (d = 43) with the defaults for files, and JKO-Flow with 3 maps on the toy data
    step syn43 train --data "$data/syn43.npy" --out "$out/syn43" --device $dev --no-plot --iters "${SYN_ITERS:-400}" --val-every 20 "${syn_extra[@]}"
    step syn43-eval eval --model "$out/syn43" --device $dev --output "$out/syn43-eval.json" "${eval_extra[@]}"
    # the same file with a steadier rate (the default 0.1 can blow up and restore, at iterations that float32 rounding
    # decides): the reduced-precision runs below are compared with this one, and this one with the CPU's
    step syn43s train --data "$data/syn43.npy" --out "$out/syn43s" --device $dev --no-plot --iters "${SYN_ITERS:-400}" --val-every 20 --lr 0.01 "${syn_extra[@]}"
    step syn43s-eval eval --model "$out/syn43s" --device $dev --output "$out/syn43s-eval.json" "${eval_extra[@]}"
    step jko train --data 8gaussians --method jko --steps 3 --iters "${JKO_ITERS:-100}" --out "$out/jko" --device $dev --no-plot
    step jko-eval eval --model "$out/jko" --device $dev --output "$out/jko-eval.json" "${eval_extra[@]}"
fi

[ "$side" = gpu ] || exit 0
# math (GPU only): --gpu-math tf32, trained to the end, against the float32 runs above (toy) and at d = 43
if has math; then
    for math in tf32; do
        step "toy-$math" train --data 8gaussians --out "$out/toy-$math" --device cuda --gpu-math $math --no-plot "${toy_iters[@]}"
        step "toy-$math-eval" eval --model "$out/toy-$math" --device cuda --output "$out/toy-$math-eval.json" "${eval_extra[@]}"
    done
    for math in tf32; do
        step "syn43s-$math" train --data "$data/syn43.npy" --out "$out/syn43s-$math" --device cuda --gpu-math $math --no-plot --iters "${SYN_ITERS:-400}" --val-every 20 --lr 0.01 "${syn_extra[@]}"
        step "syn43s-$math-eval" eval --model "$out/syn43s-$math" --device cuda --output "$out/syn43s-$math-eval.json" "${eval_extra[@]}"
    done
fi

# seeds (GPU only): float32 and tf32 from two more seeds each, so that the tf32 - fp32 difference in test NLL is seen
# beside the seed-to-seed spread and the divergence float32 rounding alone causes (GPU against CPU, seed 0)
if has seeds; then
    for seed in ${SEEDS:-1 2}; do
        for math in fp32 tf32; do
            step "toy-s$seed-$math" train --data 8gaussians --out "$out/toy-s$seed-$math" --device cuda --gpu-math $math --seed $seed --no-plot "${toy_iters[@]}"
            step "toy-s$seed-$math-eval" eval --model "$out/toy-s$seed-$math" --device cuda --output "$out/toy-s$seed-$math-eval.json" "${eval_extra[@]}"
            step "syn43s-s$seed-$math" train --data "$data/syn43.npy" --out "$out/syn43s-s$seed-$math" --device cuda --gpu-math $math --seed $seed --no-plot --iters "${SYN_ITERS:-400}" --val-every 20 --lr 0.01 "${syn_extra[@]}"
            step "syn43s-s$seed-$math-eval" eval --model "$out/syn43s-s$seed-$math" --device cuda --output "$out/syn43s-s$seed-$math-eval.json" "${eval_extra[@]}"
        done
    done
fi

# resume (GPU only)
if has resume; then
    # resume after a kill. One run straight through; one killed (SIGKILL) once its log passes a third of the
    # budget, then resumed with --resume on the GPU; compare_cli.py compares the two logs and models.
    ri=${RESUME_ITERS:-300}
    step resume-straight train --data 8gaussians --out "$out/resume-straight" --device cuda --no-plot --iters "$ri" --checkpoint-every 25
    t0=$(date +%s%N)
    "${C[@]}" train --data 8gaussians --out "$out/resume-killed" --device cuda --no-plot --iters "$ri" --checkpoint-every 25 > "$out/resume-killed.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
        rows=$(($(wc -l < "$out/resume-killed/log.csv" 2>/dev/null || echo 1) - 1))
        if [ "$rows" -ge $((ri / 3)) ] || ! kill -0 $pid 2>/dev/null; then break; fi
        sleep 0.1
    done
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    echo "killed-at-row $rows" >> "$out/times.txt"
    echo "[cli-runs $side] resume-killed: SIGKILL after $rows log rows, $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    step resume-resumed train --out "$out/resume-killed" --resume --device cuda --no-plot
    for r in straight killed; do step "resume-$r-eval" eval --model "$out/resume-$r" --device cuda --output "$out/resume-$r-eval.json" "${eval_extra[@]}"; done
fi
