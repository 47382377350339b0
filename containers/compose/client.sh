#!/usr/bin/env bash
# The demo's client, run in its own container: calls the Spectrum over mutual TLS across
# containers and checks what comes back. Results go to /out/PHASE.
#   client.sh PHASE          e.g. first, after-restart
set -euo pipefail
phase="${1:-check}"
out="/out/$phase"
mkdir -p "$out"
host=speccy.retromesh.svc.cluster.local
api="https://$host:8443/v1/micros/speccy"

say() { echo "client[$phase]: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
# curl over mutual TLS with one of the identities the certs container issued.
as() {
  local who="$1"; shift
  curl -sS --max-time 30 --cacert /pki/weather/root-cert.pem \
    --cert "/pki/$who/cert-chain.pem" --key "/pki/$who/key.pem" "$@"
}
source /usr/local/lib/retromesh/until_ok.sh
printout_has() { as weather "$api/printout.txt" | grep -qF "$1"; }

until_ok "the bridge's readiness" 120 curl -sf "http://$host:15021/healthz/ready"
say "bridge ready"

# The Spectrum called the sample service at boot and printed its answer.
until_ok "the Spectrum's GET hello/greeting on its printout" 120 printout_has "HELLO FROM THE MESH"
say "the Spectrum fetched hello/greeting over mTLS and printed it"

# We call the Spectrum: it prints the body and answers PRINTED 1.
# Short: the printer has 32 columns.
message="HI FROM ${phase^^}"
reply=""
end=$((SECONDS + 60))
until reply="$(as weather --fail-with-body -d "$message" "$api/rpc/print")"; do
  [ "$SECONDS" -lt "$end" ] || fail "POST rpc/print: $reply"
  sleep 0.5
done
[ "$reply" = "PRINTED 1" ] || fail "POST rpc/print answered '$reply', not 'PRINTED 1'"
printout_has "$message" || fail "the printout lacks '$message'"
say "called the Spectrum over mTLS as weather: $reply"

as weather "$api/printout.txt" >"$out/printout.txt"
as weather -o "$out/printout.png" "$api/printout.png"
[ "$(head -c 8 "$out/printout.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
  || fail "printout.png is not a PNG"
say "printout: $(wc -l <"$out/printout.txt") lines of text, $(stat -c %s "$out/printout.png") bytes of PNG"

# Wrong callers are refused, each for its own reason.
status="$(as intruder -o "$out/intruder.txt" -w '%{http_code}' -d X "$api/rpc/print")"
[ "$status" = 403 ] || fail "intruder got $status, not 403"
grep -qF "only-weather" "$out/intruder.txt" || fail "the 403 does not name the rule: $(cat "$out/intruder.txt")"
if curl -sS --max-time 10 --cacert /pki/weather/root-cert.pem "$api/printout.txt" >/dev/null 2>"$out/anonymous.txt"; then
  fail "a caller without a certificate got in"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger -days 1 \
  -keyout "$out/stranger.key" -out "$out/stranger.pem" 2>/dev/null
if curl -sS --max-time 10 --cacert "$out/stranger.pem" --cert /pki/weather/cert-chain.pem \
  --key /pki/weather/key.pem "$api/printout.txt" >/dev/null 2>"$out/wrong-ca.txt"; then
  fail "a client trusting another CA accepted the bridge"
fi
say "refused: another SPIFFE ID (403 naming the rule), no certificate, a client of another CA"

metrics="$(curl -sf "http://$host:15020/stats/prometheus")" || fail "metrics unreachable"
grep -q '^istio_requests_total{.*source_principal="spiffe://cluster.local/ns/default/sa/weather"' <<<"$metrics" \
  || fail "no istio_requests_total from weather in the metrics"
grep -q '^retromesh_link_state{.*} 2' <<<"$metrics" || fail "the link is not up in the metrics"
say "metrics: istio_requests_total from weather, link up"

# What identity the bridge presents, so runs can be compared.
served="$(openssl s_client -connect "$host:8443" -servername "$host" -verify_return_error \
  -CAfile /pki/weather/root-cert.pem -cert /pki/weather/cert-chain.pem -key /pki/weather/key.pem \
  </dev/null 2>/dev/null | openssl x509)" || fail "openssl s_client could not fetch the served certificate"
{
  echo "spiffe_id=$(openssl x509 -noout -ext subjectAltName <<<"$served" | grep -o 'URI:[^,]*' | sed 's/^URI://')"
  echo "ca=$(openssl x509 -noout -fingerprint -sha256 -in /pki/weather/root-cert.pem | cut -d= -f2)"
  echo "leaf=$(openssl x509 -noout -fingerprint -sha256 <<<"$served" | cut -d= -f2)"
} >"$out/identity.txt"
say "identity: $(tr '\n' ' ' <"$out/identity.txt")"
say "PASS"
