#!/bin/bash
# Training arms side by side on one thread each, 20 minutes, then cnf4j eval on each model:
#   arms.sh DATA SEED PREFIX "NAME ARGS..." ["NAME ARGS..." ...]
# writes PREFIXNAME-log.txt and PREFIXNAME-eval.txt here, or in the folder ARMS_OUT names (models in
# /tmp/wprobe/PREFIXNAME), then the load average to uptime.txt there. Run from anywhere; it trains with the
# repository's ./cnf4j on OpenBLAS's own kernel choice.
set -u
here="$(cd "${ARMS_OUT:-$(dirname "$0")}" && pwd)"
data=$1 seed=$2 prefix=$3; shift 3
cd "$(dirname "$0")/../../.."
unset OPENBLAS_CORETYPE
for arm in "$@"; do
  set -- $arm; name=$prefix$1; shift
  ( ./cnf4j train --data "$data" --out /tmp/wprobe/$name --seed "$seed" --threads 1 --no-plot --time-budget 20m "$@" > "$here/$name-log.txt" 2>&1
    ./cnf4j eval --model /tmp/wprobe/$name --threads 1 > "$here/$name-eval.txt" 2>&1 ) &
done
wait
uptime >> "$here/uptime.txt"
