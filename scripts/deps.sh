#!/usr/bin/env bash
# Installs the Debian packages retromesh needs to build and test, when they are missing.
# Safe to run again: it does nothing once everything is there.
set -euo pipefail

packages=(
  build-essential pkg-config clang libclang-dev   # leptess builds bindings with bindgen
  libtesseract-dev libleptonica-dev tesseract-ocr-eng  # OCR
  zmakebas pasmo                                  # BASIC and Z80 tools the tests compare against
  cc65                                            # ca65/ld65 build the C64 client and C64 examples
  graphviz                                        # dot renders the hardware wiring diagrams
  opense-basic                                    # the free 48K ROM
  socat curl openssl                              # PTY pairs, an HTTP client and TLS tools for the link and gateway tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "retromesh: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "retromesh: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "retromesh: Rust is missing: install it with rustup (https://rustup.rs), then run this again" >&2
    exit 1
  fi
fi

# WireViz (PyPI) turns the pin map's harnesses into diagrams; the hardware tests render them.
WIREVIZ_VERSION=0.4.1
if ! wireviz --version 2>/dev/null | grep -q "$WIREVIZ_VERSION"; then
  echo "retromesh: installing wireviz==$WIREVIZ_VERSION from PyPI" >&2
  if ! python3 -m pip install --quiet --disable-pip-version-check "wireviz==$WIREVIZ_VERSION" 2>/tmp/retromesh-pip.$$; then
    if grep -q externally-managed /tmp/retromesh-pip.$$; then
      # A distribution Python that forbids pip: a private virtualenv instead.
      venv="${XDG_CACHE_HOME:-$HOME/.cache}/retromesh/venv"
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check "wireviz==$WIREVIZ_VERSION"
      export PATH="$venv/bin:$PATH"
    else
      cat /tmp/retromesh-pip.$$ >&2; rm -f /tmp/retromesh-pip.$$; exit 1
    fi
  fi
  rm -f /tmp/retromesh-pip.$$
  hash -r
fi
