#!/usr/bin/env bash
# Offline validation of the Kubernetes manifests in containers/k8s:
#   1. `kubectl kustomize` builds the base, the shared mesh layer and every overlay;
#   2. core objects are checked against Kubernetes' own schemas (kubernetes-validate, strict:
#      unknown fields are errors), for each version in K8S_VERSIONS;
#   3. Istio objects are checked against the CRD schemas in containers/k8s/schemas
#      (strict like the API server's pruning, plus the CRDs' CEL rules);
#   4. the broken fixtures in containers/k8s/tests/bad must all be rejected, each for its
#      stated reason, which proves the checks can fail.
# Needs no cluster and no network once its tools are installed; installs what is missing
# (kubectl from Debian's kubernetes-client, Python packages from PyPI).
#
# Environment: KUBECTL (default: kubectl), K8S_VERSIONS (default: "1.30 1.37"),
#              PYTHON (default: python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s="$here/k8s"
KUBECTL="${KUBECTL:-kubectl}"
PYTHON="${PYTHON:-python3}"
# 1.30: the oldest we support (the preStop sleep action). 1.37: the newest kubernetes-validate
# 1.37.0 ships, so fields removed since 1.30 are caught too.
K8S_VERSIONS="${K8S_VERSIONS:-1.30 1.37}"
# What this script was verified with; all have wheels for CPython 3.11.
PY_PACKAGES=(kubernetes-validate==1.37.0 jsonschema==4.26.0 pyyaml==6.0.3 cel-python==0.5.0)

# kustomize roots: built and validated. The mesh layer is not meant to be applied alone but
# must still build.
TARGETS=(base mesh overlays/istio overlays/istio-csi overlays/istio-external)

say() { printf '%s\n' "$*"; }
die() { printf 'validate-manifests: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- tools --------------------------------------------------------------------------------
if ! command -v "$KUBECTL" >/dev/null 2>&1; then
    say "kubectl not found: installing Debian's kubernetes-client"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null
    command -v "$KUBECTL" >/dev/null 2>&1 || die "kubectl is still missing after installing kubernetes-client"
fi

py_ready() {
    "$PYTHON" - "${PY_PACKAGES[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
}
if ! py_ready; then
    say "installing ${PY_PACKAGES[*]}"
    if ! "$PYTHON" -m pip install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}" 2>/tmp/validate-manifests-pip.$$; then
        if grep -q externally-managed /tmp/validate-manifests-pip.$$; then
            # A distribution Python that forbids pip: use a private virtualenv instead.
            venv="${XDG_CACHE_HOME:-$HOME/.cache}/retromesh/validate-venv"
            "$PYTHON" -m venv "$venv" || die "cannot create $venv (install python3-venv)"
            PYTHON="$venv/bin/python"
            py_ready || "$PYTHON" -m pip install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
        else
            cat /tmp/validate-manifests-pip.$$ >&2
            rm -f /tmp/validate-manifests-pip.$$
            die "pip install failed"
        fi
    fi
    rm -f /tmp/validate-manifests-pip.$$
fi

kubectl_version="$("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ' | sed 's/  */ /g' || true)"
say "kubectl: ${kubectl_version:-unknown}"

versions_args=()
for v in $K8S_VERSIONS; do versions_args+=(--k8s-version "$v"); done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
summary="$work/summary.jsonl"
: >"$summary"
failures=0
build_failures=0

# --- 1-3: build and validate every kustomize root ---------------------------------------
for t in "${TARGETS[@]}"; do
    [ -f "$k8s/$t/kustomization.yaml" ] || continue
    out="$work/$(echo "$t" | tr / _).yaml"
    if ! "$KUBECTL" kustomize "$k8s/$t" >"$out" 2>"$out.err"; then
        say "FAIL containers/k8s/$t: kubectl kustomize failed:"
        grep -v -e "is deprecated. Please use" "$out.err" | sed 's/^/    /' || true
        failures=$((failures + 1))
        build_failures=$((build_failures + 1))
        continue
    fi
    # kustomize v5 warns about bases/patchesStrategicMerge/patchesJson6902, kept on purpose
    # so that kustomize v2.0.3 builds these too. Show any other message.
    grep -v -e "is deprecated. Please use" "$out.err" | sed "s|^|    containers/k8s/$t: |" || true
    if ! "$PYTHON" "$k8s/validate.py" "${versions_args[@]}" --label "containers/k8s/$t" \
            --summary-json "$summary" "$out"; then
        say "FAIL containers/k8s/$t: objects above do not validate"
        failures=$((failures + 1))
    fi
done

# --- 4: negative fixtures ---------------------------------------------------------------
shopt -s nullglob
bad=("$k8s"/tests/bad/*.yaml)
[ ${#bad[@]} -gt 0 ] || die "no negative fixtures in containers/k8s/tests/bad"
for f in "${bad[@]}"; do
    rel="containers/k8s/tests/bad/$(basename "$f")"
    if ! "$PYTHON" "$k8s/validate.py" "${versions_args[@]}" --expect-invalid --label "$rel" \
            --summary-json "$summary" "$f" >"$work/bad.out" 2>&1; then
        cat "$work/bad.out"
        say "FAIL $rel: a broken fixture was accepted or rejected for another reason"
        failures=$((failures + 1))
    fi
done

# --- summary ----------------------------------------------------------------------------
"$PYTHON" - "$summary" "$build_failures" "$K8S_VERSIONS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
build_failures = int(sys.argv[2])
print()
print(f"Kubernetes schemas: {sys.argv[3]}; Istio CRDs: containers/k8s/schemas/istio-crds.gen.yaml")
passed = failed = 0
for r in rows:
    total = r["core"] + r["istio"]
    bad = r["failed"]
    if "/tests/bad/" in r["label"]:
        state = "all rejected as expected" if not bad else f"{bad} NOT rejected as expected"
    else:
        state = "valid" if not bad else f"{bad} INVALID"
    print(f"  {r['label']:<44} {total:>3} objects ({r['core']} core, {r['istio']} Istio): {state}")
    passed += total - bad
    failed += bad
failed += build_failures  # a kustomization that does not build counts as one failure
if build_failures:
    print(f"  {build_failures} kustomization(s) did not build")
print(f"manifests: {passed} passed, {failed} failed")
EOF

[ "$failures" -eq 0 ] || die "$failures check(s) failed"
