#!/usr/bin/env bash
# The compose demo as CI runs it: bring it up, check it from the client container, kill the
# bridge, restart it, check again, then stop it and check it drained.
#   containers/test-compose.sh            builds the images first if they are missing
# Leaves the printouts (PNG and text) and the served identities in target/compose-demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="$root/target/compose-demo"
project="retromesh-demo-$$"
compose=(docker-compose -p "$project" -f containers/compose/docker-compose.yml)
export RETROMESH_DEMO_OUT="$out"

say() { echo "compose-demo: $*" >&2; }
fail() {
  say "FAIL: $*"
  "${compose[@]}" ps >&2 || true
  "${compose[@]}" logs --no-color --tail=60 >&2 || true
  exit 1
}
cleanup() { "${compose[@]}" --profile check down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT

if ! docker image inspect retromesh:local >/dev/null 2>&1 ||
  ! docker image inspect retromesh-demo-client:local >/dev/null 2>&1; then
  bash containers/build-image.sh
fi
rm -rf "$out" && mkdir -p "$out"

who="$(docker run --rm --entrypoint id retromesh:local)"
[[ "$who" == uid=10001\(retromesh\)* && "$who" == *"20(dialout)"* ]] ||
  fail "the image should run as retromesh (10001) with the group dialout: $who"
say "image user: $who"
for config in /etc/retromesh/retromesh.toml /demo/bridge.toml; do
  docker run --rm -v "$root/containers/compose/bridge.toml:/demo/bridge.toml:ro" \
    retromesh:local analyze "$config" >&2 || fail "retromesh analyze $config found errors in the image"
done

source containers/compose/until_ok.sh
health() { docker inspect -f '{{.State.Health.Status}}' "$1"; }
is_healthy() { [ "$(health "$1")" = healthy ]; }

say "starting certs, sample and bridge"
"${compose[@]}" up -d bridge || fail "docker-compose up"
bridge="$("${compose[@]}" ps -q bridge)"
until_ok "the bridge's HEALTHCHECK" 180 is_healthy "$bridge"
say "bridge container healthy"

"${compose[@]}" run --rm client first || fail "client checks (first run)"
"${compose[@]}" logs --no-color sample | grep -q 'caller=spiffe://cluster.local/ns/retromesh/sa/speccy' ||
  fail "the sample service did not see the Spectrum's own SPIFFE ID"
say "the sample service saw the caller spiffe://cluster.local/ns/retromesh/sa/speccy"

say "killing the bridge container (SIGKILL)"
docker kill "$bridge" >/dev/null
[ "$(docker inspect -f '{{.State.Running}}' "$bridge")" = false ] || fail "the bridge survived docker kill"
docker start "$bridge" >/dev/null
[ "$(health "$bridge")" != healthy ] || fail "health reads healthy before any check ran"
until_ok "the restarted bridge's HEALTHCHECK" 180 is_healthy "$bridge"
say "restarted bridge container healthy again"
"${compose[@]}" run --rm client after-restart || fail "client checks (after the restart)"

# Identity: the same SPIFFE ID from the same CA (on the pki volume); the leaf is re-issued.
for key in spiffe_id ca; do
  before="$(grep "^$key=" "$out/first/identity.txt")"
  after="$(grep "^$key=" "$out/after-restart/identity.txt")"
  [ "$before" = "$after" ] || fail "$key changed across the restart: $before -> $after"
done
grep -qx 'spiffe_id=spiffe://cluster.local/ns/retromesh/sa/speccy' "$out/first/identity.txt" ||
  fail "unexpected identity: $(cat "$out/first/identity.txt")"
if [ "$(grep '^leaf=' "$out/first/identity.txt")" = "$(grep '^leaf=' "$out/after-restart/identity.txt")" ]; then
  say "note: the same leaf certificate was served after the restart"
else
  say "identity persisted: same SPIFFE ID and CA, leaf re-issued at start"
fi

say "stopping the bridge (SIGTERM)"
docker stop -t 30 "$bridge" >/dev/null
code="$(docker inspect -f '{{.State.ExitCode}}' "$bridge")"
[ "$code" = 0 ] || fail "the bridge exited $code on SIGTERM, not 0"
docker logs "$bridge" 2>&1 | grep -q '"drained: every connection closed"\|drained: every connection closed' ||
  fail "the bridge did not log its drain"
say "stopped with exit code 0 after draining"

size="$(docker image inspect retromesh:local --format '{{.Size}}')"
say "image retromesh:local: $((size / 1000000)) MB; printouts in $out"
say "PASS"
