#!/bin/bash
# Capacity probes after the width change: mixture16 (20,000 rows), seed 0, 20 minutes, one thread each, side by side:
# width 256 (2 layers) and width 128 with 3 layers, against width 128 / 2 layers of run.sh (KL 0.640, another sitting).
cd /work/main
unset OPENBLAS_CORETYPE
for arm in "w256 --width 256" "w128-l3 --width 128 --layers 3"; do
  set -- $arm; name=$1; shift
  ( ./cnf4j train --data /tmp/q5/mixture16.csv --out /tmp/wprobe/cap-$name --seed 0 --threads 1 --no-plot --time-budget 20m "$@" > /tmp/wprobe/cap-$name-log.txt 2>&1
    ./cnf4j eval --model /tmp/wprobe/cap-$name --threads 1 > /tmp/wprobe/cap-$name-eval.txt 2>&1 ) &
done
wait
uptime >> /tmp/wprobe/uptime-cap.txt
echo done > /tmp/wprobe/DONECAP
