#!/bin/bash
# The new default on mixture16 (20,000 rows: width 128 from the recipe, no --width) against the same with lr 0.05,
# seed 0, 20 minutes, one thread each, side by side.
cd /work/main
unset OPENBLAS_CORETYPE
for arm in "default" "lr005 --lr 0.05"; do
  set -- $arm; name=$1; shift
  ( ./cnf4j train --data /tmp/q5/mixture16.csv --out /tmp/wprobe/lr-$name --seed 0 --threads 1 --no-plot --time-budget 20m "$@" > /tmp/wprobe/lr-$name-log.txt 2>&1
    ./cnf4j eval --model /tmp/wprobe/lr-$name --threads 1 > /tmp/wprobe/lr-$name-eval.txt 2>&1 ) &
done
wait
uptime >> /tmp/wprobe/uptime-lr.txt
echo done > /tmp/wprobe/DONELR
