#!/bin/sh
# Rebuilds program.tap from loader.bas and main.bas (needs zmakebas).
set -e
cd "$(dirname "$0")"
zmakebas -a 10 -n loader -o loader.tap loader.bas
zmakebas -a 10 -n main -o main.tap main.bas
cat loader.tap main.tap > program.tap
rm loader.tap main.tap
