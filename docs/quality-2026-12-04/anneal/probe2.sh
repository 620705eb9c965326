#!/bin/bash
# paired: A = --anneal-at 0, B = the default (0.75 for files); 1 thread each, in parallel
cd /tmp/pr2
J="java -Xmx6g -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -XX:+UseParallelGC"
for ds in "m16s1 /tmp/q20out/mixture16.csv 1" "bc0 /work/main/data/breast_cancer.csv 0"; do
  set -- $ds; name=$1; file=$2; seed=$3
  $J -jar cnf4j.jar train --data $file --out $name-A --seed $seed --threads 1 --time-budget 10m --no-plot --anneal-at 0 > $name-A.log 2>&1 &
  $J -jar cnf4j.jar train --data $file --out $name-B --seed $seed --threads 1 --time-budget 10m --no-plot > $name-B.log 2>&1 &
  wait
  for arm in A B; do $J -jar cnf4j.jar eval --model $name-$arm --threads 1 > $name-$arm.eval 2>&1 & done
  wait
done
echo done
