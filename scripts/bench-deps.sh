#!/usr/bin/env bash
# Installs the TLS terminators `cargo bench -p retromesh --bench terminators` compares retromesh
# against: stunnel4, nginx (nginx-light where the distribution still has it) and haproxy.
# Safe to run again. The bench runs each one itself, so their system services are not needed.
set -euo pipefail

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "retromesh: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi

$sudo apt-get update -qq
nginx=nginx
if apt-cache show nginx-light >/dev/null 2>&1; then
  nginx=nginx-light
fi
# policy-rc.d keeps the packages' services from starting on install (they would take port 80).
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
if [ "$had_policy" = 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
fi
trap '[ "$had_policy" = 0 ] && $sudo rm -f /usr/sbin/policy-rc.d' EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  stunnel4 "$nginx" haproxy >/dev/null

for p in stunnel4 nginx haproxy; do
  command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || [ -x "/usr/bin/$p" ] \
    || { echo "retromesh: $p did not install" >&2; exit 1; }
done
echo "retromesh: stunnel4, nginx and haproxy are installed" >&2
