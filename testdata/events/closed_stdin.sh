#!/bin/sh
# Closes its stdin, then says READY: writing an event to it fails (EPIPE).
exec 0<&-
printf 'READY\n'
exec sleep 300
