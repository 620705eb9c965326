#!/usr/bin/env python3
"""Markdown tables from one benchmark sitting (jmh/sitting.sh OUT_DIR): python3 jmh/summarize.py OUT_DIR"""
import json, os, sys

out = sys.argv[1]
sizes = {"toy": "d=2, m=32, nTh=2, n=2048, nt=8", "power": "d=6, m=128, nTh=2, n=10000, nt=10",
         "miniboone": "d=43, m=256, nTh=2, n=2000, nt=6"}
print("| size | threads | mode | cnf4j median s (min-max) | torch median s (min-max) | cnf4j / torch | cnf4j peak RSS MB | torch peak RSS MB |")
print("|---|---|---|---|---|---|---|---|")
for t in (1, 2):
    path = os.path.join(out, "compare-t%d.jsonl" % t)
    if not os.path.exists(path):
        continue
    lines = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    i = 0
    while i + 2 < len(lines) + 1 and i < len(lines):
        j, to, cmp_ = lines[i], lines[i + 1], lines[i + 2]
        i += 3
        size = cmp_["compare"]
        for mode in ("fwd", "fwdbwd"):
            if mode in j and mode in to:
                a, b = j[mode], to[mode]
                print("| %s (%s) | %d | %s | %.3f (%.3f-%.3f) | %.3f (%.3f-%.3f) | %.2f | %.0f | %.0f |" % (
                    size, sizes[size], t, mode, a["median_s"], a["min_s"], a["max_s"], b["median_s"], b["min_s"], b["max_s"],
                    a["median_s"] / b["median_s"], a.get("peak_rss_mb") or 0, b.get("peak_rss_mb") or 0))
jmh = os.path.join(out, "jmh.json")
if os.path.exists(jmh):
    print()
    print("| JMH benchmark | size | threads | score | error (99.9%) | unit |")
    print("|---|---|---|---|---|---|")
    for r in json.load(open(jmh)):
        p = r.get("params", {})
        m = r["primaryMetric"]
        print("| %s | %s | %s | %.2f | %.2f | %s |" % (r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1],
              p.get("size"), p.get("threads"), m["score"], m["scoreError"], m["scoreUnit"]))
for t in (1, 2):
    g = os.path.join(out, "gemm-t%d.json" % t)
    if os.path.exists(g):
        r = json.load(open(g))[0]
        ops = r["primaryMetric"]["score"]
        flops = 2.0 * 256 * 256 * 4128
        print()
        print("GEMM reference (sgemm 256x256x4128, single-threaded OpenBLAS per worker), %d thread(s): %.1f ops/s = %.1f GFLOP/s in total"
              % (t, ops, ops * flops / 1e9))
