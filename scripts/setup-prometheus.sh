#!/usr/bin/env bash
# Installs what the alert-rule test (tests/tests/alerts) needs, and only what is missing:
#   - promtool, from Debian's prometheus package (apt-get, as root), which also brings
#     the prometheus server the live-stack tests start.
# The package's service is not needed: the tests run promtool and prometheus
# themselves, in temp dirs. Safe to run again: a second run installs nothing.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/setup-lib.sh"

# --- promtool ---------------------------------------------------------------------

missing=()
command -v promtool >/dev/null || missing+=(prometheus)

apt_install_missing "${missing[@]}"

command -v promtool >/dev/null ||
    die "promtool is still not on PATH after installing Debian's prometheus package"

# --- Report -----------------------------------------------------------------------

log "promtool: $(promtool --version 2>&1 | head -n 1) ($(command -v promtool))"
