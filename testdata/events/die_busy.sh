#!/bin/sh
# Takes one event and dies without answering (while BUSY): the pool must
# buffer the event again for the next listener run.
log=$1
printf 'READY\n'
IFS= read -r header || exit 0
len=${header##*len:}
printf '%s\n' "$header" >>"$log"
if [ "$len" -gt 0 ]; then
	dd bs=1 count="$len" 2>/dev/null >>"$log"
fi
exit 3
