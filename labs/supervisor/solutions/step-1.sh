#!/bin/bash
# Step 1: install supervisor from the lab's apt repository; its postinst starts the service.
set -euo pipefail
sudo DEBIAN_FRONTEND=noninteractive apt-get install -y supervisor
sudo service supervisor status
