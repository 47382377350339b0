#!/usr/bin/env bash
# Renders every variant of hardware/pinmap.toml to target/hardware/<variant>.svg and .png, and
# writes the bill of materials to target/hardware/bom.md. Checks the pin map first (exit 1 on
# problems). Installs WireViz 0.4 with pip if it is missing; Graphviz's `dot` must be present
# (Debian: apt-get install graphviz).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/hardware}"

if ! command -v dot >/dev/null 2>&1; then
    echo "render.sh: Graphviz's dot is not on PATH; install it (Debian: apt-get install graphviz)" >&2
    exit 2
fi
if ! command -v wireviz >/dev/null 2>&1; then
    echo "render.sh: wireviz not found; installing it with pip" >&2
    python3 -m pip install --user --quiet 'wireviz>=0.4,<0.5'
    PATH="$(python3 -m site --user-base)/bin:$PATH"
    export PATH
fi

pinmap=(cargo run --quiet -p retromesh-hardware --bin retromesh-pinmap --)
"${pinmap[@]}" check
"${pinmap[@]}" wireviz --out "$out" >/dev/null
"${pinmap[@]}" bom > "$out/bom.md"
for yml in "$out"/*.yml; do
    wireviz -f sp "$yml" >/dev/null
    echo "rendered ${yml%.yml}.svg and .png"
done
echo "bill of materials: $out/bom.md"
