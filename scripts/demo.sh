#!/usr/bin/env bash
# The main job on the embedded defaults: an emulated 48K Spectrum with the bundled ROM runs
# every bundled example, prints on the virtual ZX Printer, and the printouts are read back and
# checked. Printout PNGs of one example land in target/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
export OMP_THREAD_LIMIT=1

cargo build --release --locked -p retromesh
mkdir -p target/demo
./target/release/retromesh print ocr-test/examples/01-lprint-strings/strings.bas --png target/demo/printout.png
./target/release/retromesh test ocr-test/examples
echo "printout picture: target/demo/printout.png" >&2
