#!/bin/bash
mkdir -p "$HOME/conf.d"
