"""Compares the GPU side of the command-line runs (experiments/gpu/cli-runs.sh gpu) with the CPU side (the same
commands on the CPU engine, run by make-bundle.sh) and checks the GPU-only runs (--gpu-math, resume after a kill).
Prints one line per check and writes them to OUT as JSON; exit 1 if a check fails.
Usage: python3 compare_cli.py CPU_DIR GPU_DIR OUT.json"""
import csv
import json
import os
import sys

import numpy as np

cpu, gpu, out = sys.argv[1:4]
checks, facts, failures = [], {}, []


def check(name, value, tol, what="max rel"):
    ok = value is not None and np.isfinite(value) and value <= tol
    checks.append({"check": name, "value": value, "tol": tol, "measure": what, "pass": bool(ok)})
    if not ok:
        failures.append(name)
    print("  %-62s %11s  (%s, tol %.0e) %s" % (name, "%.3e" % value if value is not None else "missing", what, tol, "ok" if ok else "FAIL"))


def times(d):
    t = {}
    if os.path.exists(os.path.join(d, "times.txt")):
        for line in open(os.path.join(d, "times.txt")):
            p = line.split()
            if len(p) == 3:
                t[p[0]] = (int(p[1]), int(p[2]))
            elif len(p) == 2:
                t[p[0]] = (0, int(p[1]))
    return t


def log(d):
    """log.csv rows as dicts of floats (a JKO run's rows carry their map in 'step')."""
    rows = []
    with open(os.path.join(d, "log.csv")) as f:
        for r in csv.DictReader(l for l in f if not l.startswith("#")):
            rows.append({k: float(v) if v not in ("", None) else None for k, v in r.items()})
    return rows


def curve_diff(a, b, first=None, key="J"):
    """Largest relative difference of column key over the rows both logs have (optionally the first rows)."""
    n = min(len(a), len(b)) if first is None else min(len(a), len(b), first)
    if n == 0:
        return None
    return max(abs(a[i][key] - b[i][key]) / max(abs(b[i][key]), 1e-300) for i in range(n))


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return None
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def nll(d, name):
    p = os.path.join(d, name)
    return json.load(open(p))["test_nll"] if os.path.exists(p) else None


def absdiff(x, y):
    return None if x is None or y is None else abs(x - y)


tc, tg = times(cpu), times(gpu)
parts = open(os.path.join(gpu, "parts.txt")).read().split() if os.path.exists(os.path.join(gpu, "parts.txt")) else ["common", "math", "resume"]
facts["parts"] = parts
print("compare_cli: exit codes (parts: %s)" % " ".join(parts))
for name, (rc, ms) in sorted(tg.items()):
    if name != "killed-at-row":
        check("gpu %s exits 0" % name, float(rc), 0, "exit code")
for name, (rc, ms) in sorted(tc.items()) if "common" in parts else []:
    check("cpu %s exits 0" % name, float(rc), 0, "exit code")
facts["wall_ms_gpu"] = {k: v[1] for k, v in tg.items()}
facts["wall_ms_cpu"] = {k: v[1] for k, v in tc.items()}

if "common" in parts:
    print("compare_cli: the same commands, GPU against CPU")
    for run, first in (("toy", 20), ("syn43", 20), ("syn43s", 20), ("jko", 20)):
        try:
            a, b = log(os.path.join(gpu, run)), log(os.path.join(cpu, run))
            check("%s float32 training curve J, first %d iterations" % (run, first), curve_diff(a, b, first), 1e-3)
            facts["%s_curve_max_rel_all_rows" % run] = curve_diff(a, b)
            facts["%s_rows" % run] = [len(a), len(b)]
        except Exception as e:  # a missing log is a failed run: its exit code check says so
            check("%s float32 training curve J" % run, None, 1e-3)
            facts["%s_error" % run] = str(e)
    # at d = 43 the float32 curves agree for the first iterations and then part (rounding differences grow over 400
    # Adam steps: 0.04 nats apart at the end on the H200), and lr 0.1 blows up and restores where rounding decides:
    # recorded, not checked; the check is the toy's, within 0.01
    for ev, tol in (("toy-eval.json", 0.01), ("jko-eval.json", 0.01), ("syn43s-eval.json", None), ("syn43-eval.json", None)):
        g, c = nll(gpu, ev), nll(cpu, ev)
        facts[ev + " test_nll gpu, cpu"] = [g, c]
        if tol is None:
            continue
        check("%s test NLL, GPU-trained vs CPU-trained" % ev[:-10], absdiff(g, c), tol, "abs nats")

    print("compare_cli: one model (CPU-trained toy) through every command in float64")
    try:
        check("logp float64", rel(np.load(os.path.join(gpu, "m-logp.npy")), np.load(os.path.join(cpu, "m-logp.npy"))), 1e-10)
    except Exception as e:
        check("logp float64", None, 1e-10)
    try:
        check("sample --with-logp float64", rel(np.load(os.path.join(gpu, "m-sample.npy")), np.load(os.path.join(cpu, "m-sample.npy"))), 1e-10)
    except Exception as e:
        check("sample --with-logp float64", None, 1e-10)
    g, c = nll(gpu, "m-eval.json"), nll(cpu, "m-eval.json")
    check("eval float64 test NLL", None if g is None or c is None else abs(g - c) / abs(c), 1e-10)

if "math" in parts:
    print("compare_cli: reduced-precision products (GPU), test NLL against float32 products")
    for base, ev in (("toy", "toy-eval.json"), ("syn43s", "syn43s-eval.json")):
        ref = nll(gpu, ev)
        for math in ("tf32",):
            v = nll(gpu, "%s-%s-eval.json" % (base, math))
            facts["%s-%s test_nll" % (base, math)] = v
            check("%s --gpu-math %s test NLL vs fp32" % (base, math), absdiff(v, ref), 0.02, "abs nats")

if "seeds" in parts:
    print("compare_cli: more seeds (GPU), tf32 against fp32 test NLL")
    seed_ids = sorted({int(f.split("-s")[1].split("-")[0]) for f in os.listdir(gpu) if f.startswith("toy-s") and f.endswith("-fp32-eval.json")})
    for base in ("toy", "syn43s"):
        d = {}
        for sd in seed_ids:
            f32, t32 = nll(gpu, "%s-s%d-fp32-eval.json" % (base, sd)), nll(gpu, "%s-s%d-tf32-eval.json" % (base, sd))
            d[sd] = [f32, t32, None if f32 is None or t32 is None else t32 - f32]
            check("%s seed %d --gpu-math tf32 test NLL vs fp32" % (base, sd), absdiff(t32, f32), 0.02, "abs nats")
        facts["%s seeds: fp32, tf32, tf32-fp32" % base] = d

if "resume" in parts:
    print("compare_cli: resume after SIGKILL on the GPU")
    try:
        s, k = log(os.path.join(gpu, "resume-straight")), log(os.path.join(gpu, "resume-killed"))
        facts["resume rows straight, killed+resumed"] = [len(s), len(k)]
        facts["resume killed at log row"] = tg.get("killed-at-row", (0, None))[1]
        check("resume: rows of the resumed log", float(abs(len(s) - len(k))), 0, "row count difference")
        check("resume: J curve, resumed vs straight", curve_diff(k, s), 1e-5)
        check("resume: validation NLL curve (val_C)", curve_diff([r for r in k if r["val_C"] is not None], [r for r in s if r["val_C"] is not None], key="val_C"), 1e-5)
        check("resume: test NLL, resumed vs straight", absdiff(nll(gpu, "resume-killed-eval.json"), nll(gpu, "resume-straight-eval.json")), 1e-6, "abs nats")
    except Exception as e:
        check("resume logs", None, 0)
        facts["resume_error"] = str(e)

json.dump({"checks": checks, "facts": facts, "failures": failures}, open(out, "w"), indent=1)
print("compare_cli: %d checks, %d failed%s" % (len(checks), len(failures), (": " + ", ".join(failures)) if failures else ""))
sys.exit(1 if failures else 0)
