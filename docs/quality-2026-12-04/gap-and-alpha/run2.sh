#!/bin/bash
# One training run on 2 engine threads (THREADS to change it; a user's run here), then cnf4j eval on its model:
#   run2.sh DATA SEED NAME ARGS...
# writes NAME-log.txt and NAME-eval.txt here, or in the folder ARMS_OUT names (model in /tmp/wprobe/NAME), then the
# load average to uptime.txt there. CNF4J names the launcher (default: the repository's ./cnf4j; a copy of the jar keeps
# a rebuild from breaking the run). On OpenBLAS's own kernel choice, as ../width-by-rows/arms.sh.
set -u
here="$(cd "${ARMS_OUT:-$(dirname "$0")}" && pwd)"
data=$1 seed=$2 name=$3; shift 3
cd "$(dirname "$0")/../../.."
cnf4j=${CNF4J:-./cnf4j}
unset OPENBLAS_CORETYPE
/usr/bin/time -f "%e s wall" $cnf4j train --data "$data" --out /tmp/wprobe/$name --seed "$seed" --threads ${THREADS:-2} --no-plot "$@" > "$here/$name-log.txt" 2>&1
$cnf4j eval --model /tmp/wprobe/$name --threads ${THREADS:-2} > "$here/$name-eval.txt" 2>&1
uptime >> "$here/uptime.txt"
