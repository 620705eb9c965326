#!/bin/bash
# paired probe: A = defaults, B = one lr drop at 75% of the time budget; 1 thread each, in parallel
cd /tmp/pr
J="java -Xmx6g -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -XX:+UseParallelGC"
for ds in "m16 /tmp/q20out/mixture16.csv" "digits /work/main/data/digits.csv"; do
  set -- $ds; name=$1; file=$2
  $J -jar cnf4j.jar train --data $file --out $name-A --seed 0 --threads 1 --time-budget ${BUDGET:-10m} --no-plot > $name-A.log 2>&1 &
  $J -Dcnf4j.annealAt=0.75 -jar cnf4j.jar train --data $file --out $name-B --seed 0 --threads 1 --time-budget ${BUDGET:-10m} --no-plot > $name-B.log 2>&1 &
  wait
  for arm in A B; do $J -jar cnf4j.jar eval --model $name-$arm --threads 1 > $name-$arm.eval 2>&1 & done
  wait
done
echo done
