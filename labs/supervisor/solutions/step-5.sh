#!/bin/bash
# Step 5: load the new program into the running supervisord and wait until it is RUNNING.
set -euo pipefail
cd /home/shiyanlou
sudo supervisorctl reread
sudo supervisorctl update
for _ in $(seq 100); do
  sudo supervisorctl status nginx | grep -q RUNNING && exit 0
  sleep 0.2
done
sudo supervisorctl status nginx
exit 1
