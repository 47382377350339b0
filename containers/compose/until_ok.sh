# Sourced by client.sh and ../test-compose.sh, which define fail().
# until_ok WHAT SECONDS CMD...: polls CMD until it succeeds, failing after SECONDS.
until_ok() {
  local what="$1" secs="$2"; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || fail "$what: not within ${secs} s"
    sleep 0.5
  done
}
