#!/bin/bash
# Step 2: copy the system configuration into the home directory.
set -euo pipefail
cd /home/shiyanlou
sudo cp /etc/supervisor/supervisord.conf ./
