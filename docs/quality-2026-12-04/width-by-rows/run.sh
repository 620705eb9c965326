#!/bin/bash
# Paired width probe: mixture16, seeds 0-2, width 64 against 128, one thread each side by side, 20 minutes.
cd /work/main
unset OPENBLAS_CORETYPE
for s in 0 1 2; do
  for w in 64 128; do
    ( ./cnf4j train --data /tmp/q5/mixture16.csv --out /tmp/wprobe/s$s-w$w --seed $s --threads 1 --no-plot --time-budget 20m --width $w > /tmp/wprobe/s$s-w$w-log.txt 2>&1
      ./cnf4j eval --model /tmp/wprobe/s$s-w$w --threads 1 > /tmp/wprobe/s$s-w$w-eval.txt 2>&1 ) &
  done
  wait
  uptime >> /tmp/wprobe/uptime.txt
done
echo done > /tmp/wprobe/DONE
