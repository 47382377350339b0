#!/usr/bin/env bash
# The main job on the embedded defaults: `retromesh up`. An emulated 48K Spectrum runs the demo
# client as a mesh workload with its own SPIFFE identity from a generated development CA, calls
# a sample service over mutual TLS, prints the answer on its virtual ZX Printer, and serves the
# /v1 API over mTLS. It prints curl commands to paste and runs until Ctrl-C (`--once` stops after
# the demo has run through). Extra arguments go to `retromesh up`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

cargo build --release --locked -p retromesh -p retromesh-tesseract
exec ./target/release/retromesh up --state-dir "${RETROMESH_STATE_DIR:-target/demo-state}" "$@"
