#!/bin/sh
# A stand-in for a trainer started with --variant/--alpha/--init-from: writes
# the MENTOR_ variables and what it finds to its log, one metrics line, exit 0.
set -eu
echo "variant=${MENTOR_VARIANT:-unset} alpha=${MENTOR_ALPHA:-unset} format=$MENTOR_EXPORT_FORMAT"
echo "init=${MENTOR_INIT:-unset}"
if [ -n "${MENTOR_INIT:-}" ]; then
	for f in config.json model.safetensors tokenizer.json; do
		test -s "$MENTOR_INIT/$f" && echo "init has $f"
	done
fi
grep -c '"ids":\[' "$MENTOR_EXPORT" | sed 's/^/records with ids: /'
printf '{"step": 1, "loss": 2, "total_steps": 1}\n' >> "$MENTOR_METRICS"
