#!/bin/bash
unset OPENBLAS_CORETYPE
J="java -Xmx8g -Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=12G -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.bytedeco.javacpp.logger=slf4j -Dorg.slf4j.simpleLogger.log.org.bytedeco=error -XX:+UseParallelGC -jar /tmp/benchjar/cnf4j.jar"
h=/work/main/docs/quality-2026-12-04/lr-by-width
uptime > $h/patience30-uptime.txt
$J train --data /tmp/q5/mixture16.csv --out /tmp/wprobe/pat30 --seed 0 --no-plot --time-budget 20m --early-stopping 30 > $h/patience30-log.txt 2>&1
$J eval --model /tmp/wprobe/pat30 > $h/patience30-eval.txt 2>&1
uptime >> $h/patience30-uptime.txt
