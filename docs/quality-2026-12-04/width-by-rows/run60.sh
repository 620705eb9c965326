#!/bin/bash
# The same pair on mixture16 drawn with 60,000 rows (the held-out set's size), seed 0, 20 minutes, one thread each.
cd /work/main
unset OPENBLAS_CORETYPE
while [ ! -f /tmp/wprobe/DONE ]; do sleep 5; done
for w in 64 128; do
  ( ./cnf4j train --data /tmp/q60/mixture16.csv --out /tmp/wprobe/r60-w$w --seed 0 --threads 1 --no-plot --time-budget 20m --width $w > /tmp/wprobe/r60-w$w-log.txt 2>&1
    ./cnf4j eval --model /tmp/wprobe/r60-w$w --threads 1 > /tmp/wprobe/r60-w$w-eval.txt 2>&1 ) &
done
wait
uptime >> /tmp/wprobe/uptime.txt
echo done > /tmp/wprobe/DONE60
