#!/bin/bash
printf '[program:app]\ncommand=/bin/cat\n' > conf.d/app.conf
