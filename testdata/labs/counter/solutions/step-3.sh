#!/bin/bash
for i in 1 2 3; do echo $(( $(cat counter) + 1 )) > counter; done
