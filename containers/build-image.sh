#!/usr/bin/env bash
# Builds the retromesh image from this checkout with no registry: first the local base images
# (containers/base/make-bases.sh), then containers/Dockerfile on top of them.
#   containers/build-image.sh [TAG]        default TAG: retromesh:local
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-retromesh:local}"

bash containers/base/make-bases.sh
# The build stage fetches crates: let it trust what this machine trusts beyond Debian's CAs.
shopt -s nullglob
for ca in /usr/local/share/ca-certificates/*.crt; do
  cp "$ca" containers/extra-ca/
done
echo "build-image: building $tag (a release build of the bridge: several minutes)" >&2
docker build -f containers/Dockerfile \
  --build-arg RUST_IMAGE=retromesh-base/rust:bookworm \
  --build-arg RUNTIME_IMAGE=retromesh-base/debian:bookworm-slim \
  -t "$tag" .
docker build -f containers/compose/client.Dockerfile \
  --build-arg RUNTIME_IMAGE=retromesh-base/debian:bookworm-slim \
  -t retromesh-demo-client:local containers/compose
size="$(docker image inspect "$tag" --format '{{.Size}}')"
echo "build-image: $tag is $((size / 1000000)) MB" >&2
