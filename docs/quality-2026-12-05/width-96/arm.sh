#!/bin/bash
# arm.sh THREADS DATA SEED NAME ARGS... : a run of HEAD 1df398c's frozen jar (/tmp/frozen-1df)
threads=$1; shift
ARMS_OUT=/tmp/p13 CNF4J=/tmp/frozen-1df/cnf4j THREADS=$threads /tmp/run2.sh "$@"
