#!/usr/bin/env bash
# Builds the two base images the Dockerfile starts from, with no registry:
#   retromesh-base/debian:bookworm-slim  a debootstrap'ed Debian 12 (stands in for debian:bookworm-slim)
#   retromesh-base/rust:bookworm         the same plus this machine's Rust toolchain (for rust:1-bookworm)
# Needs root (debootstrap), Docker, rustc on PATH and Debian's mirror. Skips an image that exists
# unless --force is given.
set -euo pipefail

force=0
[ "${1:-}" = "--force" ] && force=1
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
DEBIAN_IMAGE=retromesh-base/debian:bookworm-slim
RUST_IMAGE=retromesh-base/rust:bookworm

have() { [ "$force" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }
say() { echo "make-bases: $*" >&2; }

if have "$DEBIAN_IMAGE" && have "$RUST_IMAGE"; then
  say "$DEBIAN_IMAGE and $RUST_IMAGE exist (--force rebuilds them)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  say "debootstrap needs root: run it with sudo"
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

work="$(mktemp -d /var/tmp/retromesh-bases.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

say "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  say "debootstrap failed: is $MIRROR reachable? (set DEBIAN_MIRROR to use another)"
  exit 1
}
# What the slim image leaves out: caches, docs and man pages.
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
  "$rootfs"/usr/share/info/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
CFG

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
say "importing $DEBIAN_IMAGE"
tar -C "$rootfs" -c . | docker import \
  --change "ENV PATH=$path" --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null

sysroot="$(rustc --print sysroot)"
say "adding the Rust toolchain in $sysroot ($(rustc --version))"
mkdir -p "$rootfs/usr/local/rust"
cp -a "$sysroot/bin" "$sysroot/lib" "$rootfs/usr/local/rust/"
rm -rf "$rootfs/usr/local/rust/lib/rustlib/src"
say "importing $RUST_IMAGE"
tar -C "$rootfs" -c . | docker import \
  --change "ENV PATH=/usr/local/rust/bin:$path" --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change 'CMD ["bash"]' - "$RUST_IMAGE" >/dev/null
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^retromesh-base/' >&2
