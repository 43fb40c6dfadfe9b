#!/bin/sh
# Prints the environment, working directory and umask, then stays up.
env | sort
echo "PWD_IS=$(pwd)"
echo "UMASK_IS=$(umask)"
echo "UID_IS=$(id -u)"
exec sleep 1000
