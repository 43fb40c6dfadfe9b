#!/bin/bash
# Step 3: the edits the course makes in vim, done with sed, each limited to its section.
set -euo pipefail
cd /home/shiyanlou
sudo sed -i \
  -e '/^\[unix_http_server\]/,/^\[/ s#^file=.*#file=/var/run/supervisor1.sock#' \
  -e '/^\[supervisord\]/,/^\[/ s#^logfile=.*#logfile=/var/log/supervisor/supervisord1.log#' \
  -e '/^\[supervisord\]/,/^\[/ s#^pidfile=.*#pidfile=/var/run/supervisord1.pid#' \
  -e '/^\[supervisorctl\]/,/^\[/ s#^serverurl=.*#serverurl=unix:///var/run/supervisor1.sock#' \
  -e 's/^\[include\]/;[include]/' \
  -e 's/^files *=/;&/' \
  supervisord.conf
