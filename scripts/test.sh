#!/usr/bin/env bash
# The full test run: installs what is missing, then unit, integration and CLI tests, then every
# bundled example spec through the real `retromesh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

cargo test --workspace --locked
# The side-by-side bench is run by hand (docs/benchmarks.md); here it is built, and the
# paired comparison its verdicts rest on is checked.
cargo test --locked -p retromesh --bench terminators -- --self-test
cargo build --release --locked -p retromesh -p retromesh-tesseract
./target/release/retromesh test ocr-test/examples --jobs 2 --junit target/examples-junit.xml

# The Pico board binary cannot be linked here (no thumbv6m-none-eabi target), but its code is
# type-checked for this host in each mode, so it keeps up with the adapter library it wraps.
for mode in c64-parallel c64-printer zx-uart; do
  cargo check --locked --quiet --manifest-path firmware/adapter-pico/Cargo.toml \
    --target-dir target/adapter-pico --no-default-features --features "$mode"
done

# The adapter's wiring: the pin map checked, then every variant drawn with WireViz and Graphviz
# (target/hardware/*.svg, *.png) and the bill of materials written.
bash hardware/render.sh

# The containers: every Kubernetes manifest validated offline, then the image built from
# local bases and the compose demo checked across containers (skipped, saying so, where
# there is no Docker engine).
bash containers/validate-manifests.sh
if docker info >/dev/null 2>&1 && command -v docker-compose >/dev/null; then
  bash containers/build-image.sh
  bash containers/test-compose.sh
else
  echo "retromesh: SKIPPED the image build and the compose demo: no Docker engine or docker-compose here" >&2
fi
