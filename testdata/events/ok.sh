#!/bin/sh
# A well-behaved listener: READY, read one event (header line, then len
# bytes of payload), append both to the log file $1, answer OK.
# Payloads are read with dd, so len must equal bytes (ASCII payloads).
log=$1
while :; do
	printf 'READY\n'
	IFS= read -r header || exit 0
	len=${header##*len:}
	printf '%s\n' "$header" >>"$log"
	if [ "$len" -gt 0 ]; then
		dd bs=1 count="$len" 2>/dev/null >>"$log"
	fi
	printf 'RESULT 2\nOK'
done
