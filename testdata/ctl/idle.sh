#!/bin/sh
# A long-running program for the supervisorctl compatibility suite: prints a
# line on stdout and on stderr, ignores HUP/USR1 so `signal` leaves it
# running, and dies on TERM.
trap '' HUP USR1 USR2
echo "${1:-hi}"
echo "${1:-hi} err" >&2
while :; do sleep 1; done
