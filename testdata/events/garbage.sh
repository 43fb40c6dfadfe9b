#!/bin/sh
# Violates the protocol: says something other than READY, then waits so
# the test can see it is never sent an event.
printf 'HELLO THERE\n'
exec sleep 300
