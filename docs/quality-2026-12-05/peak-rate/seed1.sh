#!/bin/bash
cd /tmp/p13
./arm.sh 2 /tmp/q60/mixture16.csv 1 r60-s1-base --time-budget 20m
./arm.sh 2 /tmp/q60/mixture16.csv 1 r60-s1-lr075 --time-budget 20m --lr 0.075
for n in base lr075; do /tmp/frozen-1df/cnf4j eval --model /tmp/wprobe/r60-s1-$n --split train --threads 2 > r60-s1-$n-train.txt 2>&1; done
echo done > seed1.done
