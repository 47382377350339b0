#!/usr/bin/env bash
# The full test run: installs what is missing, then unit, integration and CLI tests, then every
# bundled example spec through the real `retromesh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

# Tesseract's OpenMP threads only slow single-line OCR down.
export OMP_THREAD_LIMIT=1

cargo test --workspace --locked
cargo build --release --locked -p retromesh
./target/release/retromesh test ocr-test/examples --jobs 2 --junit target/examples-junit.xml
