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

# The link: the same emulated Spectrum runs the serve demo with the Z80 client library on its
# Interface 1 port, behind `retromesh bridge`; curl calls it through the /v1 API and the
# Spectrum LPRINTs the request and REPLYs.
port=18080
./target/release/retromesh bridge --emulate firmware/zx/demos/serve.bas --port if1 \
  --listen 127.0.0.1:$port &
bridge=$!
trap 'kill $bridge 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:$port/v1/micros | grep -q '"mode": "line"' && break
  sleep 0.1
done
curl -sf http://127.0.0.1:$port/v1/micros; echo
for _ in $(seq 1 100); do
  code=$(curl -s -o target/demo/reply.txt -w '%{http_code}' --data-binary 'HELLO FROM THE DEMO' \
    http://127.0.0.1:$port/v1/micros/speccy/rpc/print) || true
  [ "$code" != 503 ] && break   # 503 until the demo has sent LISTEN
  sleep 0.1
done
echo "the Spectrum answered ($code): $(cat target/demo/reply.txt)"
[ "$code" = 200 ]
