#!/bin/sh
# A stand-in for an external trainer that fails after one metrics line.
printf '{"step": 1, "loss": 9.5}\n' >> "$MENTOR_METRICS"
echo "out of memory (pretend)" >&2
exit 1
