#!/bin/sh
# A stand-in for a long external trainer: one metrics line every 0.1 s for up
# to a minute (the test stops it long before).
i=0
while [ $i -lt 600 ]; do
	printf '{"step": %d, "loss": 1.0}\n' "$i" >> "$MENTOR_METRICS"
	i=$((i + 1))
	sleep 0.1
done
