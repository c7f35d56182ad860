#!/bin/sh
# A stand-in for an external trainer: checks the exported data, then appends
# metrics lines with small pauses, hostile ones among them, and exits 0.
set -eu
test -s "$MENTOR_EXPORT" || { echo "no export at '$MENTOR_EXPORT'" >&2; exit 3; }
lines=$(wc -l < "$MENTOR_EXPORT")
echo "training on $lines records ($MENTOR_EXPORT_FORMAT), run $MENTOR_RUN_ID, args: $*"
m="$MENTOR_METRICS"
printf '{"step": 0, "export_lines": %s, "total_steps": 30}\n' "$lines" >> "$m"
sleep 0.2
printf '{"step": 10, "loss": 2.5, "lr": 0.001}\n' >> "$m"
sleep 0.2
printf 'not json at all\n' >> "$m"
printf '{"step": -3, "loss": 1.0}\n' >> "$m"
printf '{"step": 11, "loss": NaN}\n' >> "$m"
printf '{"step": 12.5, "loss": 1.0}\n' >> "$m"
printf '{"step": 13, "loss": "high"}\n' >> "$m"
printf '[1, 2, 3]\n' >> "$m"
# one line of 100000 characters
head -c 100000 /dev/zero | tr '\0' 'x' >> "$m"
printf '\n' >> "$m"
sleep 0.2
# a line written in two parts
printf '{"step": 20, "loss": 2.0,' >> "$m"
sleep 0.3
printf ' "val_loss": 2.25, "lr": 0.0008}\n' >> "$m"
sleep 0.2
# the last line without its newline
printf '{"step": 30, "loss": 1.5, "val_loss": 1.75, "t": 12.5}' >> "$m"
exit 0
