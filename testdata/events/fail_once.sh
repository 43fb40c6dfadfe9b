#!/bin/sh
# Like ok.sh, but rejects the first event it gets (RESULT 4 FAIL), so the
# pool must send that event again.
log=$1
n=0
while :; do
	printf 'READY\n'
	IFS= read -r header || exit 0
	len=${header##*len:}
	printf '%s\n' "$header" >>"$log"
	if [ "$len" -gt 0 ]; then
		dd bs=1 count="$len" 2>/dev/null >>"$log"
	fi
	n=$((n + 1))
	if [ "$n" -eq 1 ]; then
		printf 'RESULT 4\nFAIL'
	else
		printf 'RESULT 2\nOK'
	fi
done
