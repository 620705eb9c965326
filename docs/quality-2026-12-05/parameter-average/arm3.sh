#!/bin/bash
# arm2.sh THREADS DATA SEED NAME ARGS... : a run of the candidate build (the committed code: the average and the blow-up margin by the terms)
threads=$1; shift
ARMS_OUT=/tmp/ema CNF4J=/tmp/frozen-ema3/cnf4j THREADS=$threads /tmp/run2.sh "$@"
