#!/bin/bash
# Step 6: kill nginx's master and watch supervisord start a new one.
set -euo pipefail
cd /home/shiyanlou
nginx_pid() { sudo supervisorctl status nginx | awk '$2 == "RUNNING" { sub(/,$/, "", $4); print $4 }'; }
old=$(nginx_pid)
[ -n "$old" ] || { echo "nginx is not RUNNING" >&2; exit 1; }
sudo kill "$old"
for _ in $(seq 150); do
  new=$(nginx_pid)
  if [ -n "$new" ] && [ "$new" != "$old" ]; then
    echo "nginx restarted: pid $old -> $new"
    exit 0
  fi
  sleep 0.2
done
sudo supervisorctl status nginx
exit 1
