#!/bin/sh
# BB-05: ignores SIGTERM and leaves a grandchild that ignores it too.
# $1 is a file that receives the grandchild's pid.
trap '' TERM
sh -c 'trap "" TERM; exec sleep 1000' &
echo $! > "$1"
while :; do sleep 1; done
