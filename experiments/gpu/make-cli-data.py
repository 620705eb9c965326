"""Inputs of the GPU check's command-line runs (experiments/gpu/cli-runs.sh), written into DIR:
  syn43.npy   20,000 rows of a 43-dimensional mixture of 6 Gaussians with random covariances (MINIBOONE's width)
  points.csv  1,000 points in the plane for `cnf4j logp` on the toy model
Fixed seeds: the same files on every run.  Usage: python3 make-cli-data.py DIR"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(43)
d, k, n = 43, 6, 20000
means = rng.normal(0, 2.0, (k, d))
comp = rng.randint(0, k, n)
x = np.empty((n, d))
for j in range(k):
    a = rng.normal(0, 1.0 / np.sqrt(d), (d, d)) + 0.5 * np.eye(d)
    rows = comp == j
    x[rows] = means[j] + rng.normal(size=(rows.sum(), d)) @ a.T
np.save(os.path.join(out, "syn43.npy"), x.astype(np.float32))
p = np.concatenate([rng.uniform(-4, 4, (500, 2)), rng.normal(0, 1.5, (500, 2))])
np.savetxt(os.path.join(out, "points.csv"), p, delimiter=",", header="x,y", comments="", fmt="%.17g")
print("make-cli-data: wrote syn43.npy (%d x %d) and points.csv (%d x 2) to %s" % (n, d, len(p), out))
