#!/bin/bash
# arm2.sh THREADS DATA SEED NAME ARGS... : a run of the candidate build (the parameters' average, 0.99 with the early cap, the default for files)
threads=$1; shift
ARMS_OUT=/tmp/ema CNF4J=/tmp/frozen-ema2/cnf4j THREADS=$threads /tmp/run2.sh "$@"
