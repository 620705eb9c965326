#!/bin/bash
# arm.sh NOISE DATA SEED NAME ARGS... : a run of the probe jar (/tmp/frozen-noise: d715508 + per-batch Gaussian noise
# of NOISE standardised units through -Dcnf4j.probe.noise), alone on 2 threads
noise=$1; shift
ARMS_OUT=/tmp/p14 CNF4J=/tmp/frozen-noise/cnf4j THREADS=2 CNF4J_JAVA_OPTS="-Xmx8g -Dcnf4j.probe.noise=$noise" /tmp/run2.sh "$@"
