#!/bin/bash
# Step 4: start the second supervisord from the copy (course 4.5), write nginx's program
# file, and include only that file in the copy.
set -euo pipefail
cd /home/shiyanlou
sudo supervisorctl pid >/dev/null 2>&1 || sudo supervisord -c supervisord.conf
sudo tee /etc/supervisor/conf.d/supervisor_nginx.conf >/dev/null <<'PROG'
[program:nginx]
command=/usr/sbin/nginx -g 'daemon off;'
autostart=true      ; start with supervisord
autorestart=true    ; restart whenever it exits
startretries=3      ; give up after 3 failed starts
stopwaitsecs=10     ; SIGKILL 10 s after SIGTERM
PROG
sudo sed -i -e 's/^;\[include\]/[include]/' \
  -e 's#^;files *=.*#files = /etc/supervisor/conf.d/supervisor_nginx.conf#' supervisord.conf
