#!/bin/sh
# Writes to stdout and stderr, then stays up.
printf 'out: héllo\n'
printf 'err: wörld\n' >&2
exec sleep 1000
