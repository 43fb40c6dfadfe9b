#!/bin/sh
# Behaves like nginx started without "daemon off;": the first start forks
# a background server and exits 0 at once; later starts find the "port"
# taken and exit 1. $1 is the file holding the background server's pid.
if [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; then
	echo "bind() failed (98: Address already in use)" >&2
	exit 1
fi
sleep 1000 </dev/null >/dev/null 2>&1 &
echo $! > "$1"
exit 0
