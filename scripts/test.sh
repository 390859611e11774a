#!/usr/bin/env bash
# What CI runs: install what is missing, check formatting, build every target (the
# end-to-end tests spawn the binaries) with Clippy's lints denied on the way, then run
# the whole test suite with nextest. Extra arguments go to nextest. Exits with nextest's
# exit code.
#
# `--llm` first also installs the local model (scripts/setup-llm.sh, about ten minutes
# cold, cached outside the clone) and then runs the agent tests that need it, which the
# suite otherwise skips as ignored.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

llm=false
if [ "${1:-}" = "--llm" ]; then
    llm=true
    shift
    bash scripts/setup-llm.sh
fi

bash scripts/setup.sh --test-tools
# rustup's cargo, when setup just installed it.
[ -d "$HOME/.cargo/bin" ] && PATH="$HOME/.cargo/bin:$PATH"
# The bench's quick test runs Crawlee beside the platform.
bash scripts/setup-peers.sh

cargo fmt --all --check

# One pass lints and builds (ADR 50): the workspace's own crates compile with
# clippy-driver (scripts/lint-rustc.sh, every warning denied), so the dependencies
# compile once, not once more for a separate `cargo clippy` check. nextest inherits the
# same compiler and finds every target built.
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)
if [ ! -x "$clippy_driver" ]; then
    echo "test: clippy-driver not found; run scripts/setup.sh --test-tools (it adds clippy)" >&2
    exit 1
fi
export JETCRAWL_CLIPPY_DRIVER="$clippy_driver"
export RUSTC_WORKSPACE_WRAPPER="$PWD/scripts/lint-rustc.sh"
# A CI run builds from cold once: incremental caches only cost it time.
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL=0
fi
cargo build --workspace --all-targets --locked

profile=default
if [ "${CI:-}" = "true" ]; then
    profile=ci
fi
if [ "$llm" = false ]; then
    exec cargo nextest run --workspace --locked --no-fail-fast --profile "$profile" "$@"
fi
status=0
cargo nextest run --workspace --locked --no-fail-fast --profile "$profile" "$@" || status=$?
cargo nextest run -p jetcrawl-tests --locked --no-fail-fast --profile "$profile" \
    --run-ignored only --no-capture -E 'test(/^agent::/)' || status=$?
exit "$status"
