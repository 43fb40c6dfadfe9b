#!/bin/sh
# Says READY and then never reads or answers.
printf 'READY\n'
exec sleep 300
