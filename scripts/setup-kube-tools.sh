#!/usr/bin/env bash
# Installs what the deployment test (tests/tests/deploy) needs to check the Kubernetes
# manifests offline, and only what is missing:
#   - kubernetes-validate from PyPI (it bundles the Kubernetes JSON schemas, so the test
#     needs no network) and jsonschema (a dependency of it, also used directly for the
#     KEDA and CloudNativePG schemas in infra/k8s/schemas), in the venv under
#     .jetcrawl/tools that scripts/setup.sh uses for nats-server, never into the system
#     Python.
# There is no kustomize for this machine (no Debian package, and no Go new enough to
# build one): the test renders the overlays itself (infra/k8s/README.md says which part
# of kustomize they use). Safe to run again: a second run installs nothing.
set -euo pipefail

KUBERNETES_VALIDATE_VERSION=1.37.0

. "$(dirname "${BASH_SOURCE[0]}")/setup-lib.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.jetcrawl/tools/venv"

# --- Python with venv -------------------------------------------------------------

missing=()
command -v python3 >/dev/null || missing+=(python3)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
apt_install_missing "${missing[@]}"

# --- kubernetes-validate ----------------------------------------------------------

validator_ok() {
    [ -x "$venv/bin/kubernetes-validate" ] &&
        [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))' 2>/dev/null)" = "$KUBERNETES_VALIDATE_VERSION" ] &&
        "$venv/bin/python" -c 'import jsonschema, yaml' >/dev/null 2>&1
}

if ! validator_ok; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION with pip into $venv"
    "$venv/bin/python" -m pip install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" jsonschema pyyaml ||
        die "pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed"
    validator_ok || die "kubernetes-validate in $venv is still not $KUBERNETES_VALIDATE_VERSION after pip install"
fi

# --- Report -----------------------------------------------------------------------

log "kubernetes-validate: $("$venv/bin/kubernetes-validate" --version 2>&1 | head -n 1) ($venv/bin/kubernetes-validate)"
