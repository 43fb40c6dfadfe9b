#!/bin/bash
# Start from a known state: a counter at 0 and the lab's own files at hand.
set -e
echo 0 > counter
test -f "$LAB_DIR/lab.md"
