#!/bin/sh
# Takes one event and answers with a result line whose length is no number.
printf 'READY\n'
IFS= read -r header || exit 0
len=${header##*len:}
if [ "$len" -gt 0 ]; then
	dd bs=1 count="$len" 2>/dev/null >/dev/null
fi
printf 'RESULT two\nOK'
exec sleep 300
