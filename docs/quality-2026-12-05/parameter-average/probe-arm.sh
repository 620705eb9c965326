#!/bin/bash
# arm.sh DATA SEED NAME EMA ARGS... : one-thread run, iteration-capped, with the EMA probe build
data=$1 seed=$2 name=$3 ema=$4; shift 4
ARMS_OUT=/tmp/ema CNF4J=/tmp/frozen-ema/cnf4j THREADS=1 CNF4J_JAVA_OPTS="-Xmx8g -Dcnf4j.ema=$ema" /tmp/run2.sh "$data" "$seed" "$name" "$@"
