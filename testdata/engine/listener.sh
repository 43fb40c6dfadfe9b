#!/bin/sh
# A minimal event listener: appends every header and payload it receives
# to the file $1 and acknowledges with OK.
while :; do
	printf 'READY\n'
	read -r header || exit 0
	len=$(echo "$header" | sed 's/.*len:\([0-9]*\).*/\1/')
	payload=$(dd bs=1 count="$len" 2>/dev/null)
	printf '%s\n%s\n' "$header" "$payload" >> "$1"
	printf 'RESULT 2\nOK'
done
