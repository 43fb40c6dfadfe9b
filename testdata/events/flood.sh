#!/bin/sh
# Takes one event, then floods stdout with 4 MiB and no newline instead of
# a RESULT line.
printf 'READY\n'
IFS= read -r header || exit 0
head -c 4194304 /dev/zero | tr '\0' x
exec sleep 300
