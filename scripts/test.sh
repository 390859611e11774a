#!/usr/bin/env bash
# What CI runs: install what is missing, check formatting and lints, build every
# binary (end-to-end tests spawn them), then run the whole test suite with nextest.
# Extra arguments go to nextest. Exits with nextest's exit code.
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
cargo clippy --workspace --all-targets --locked -- -D warnings

cargo build --workspace --bins --examples --locked

profile=default
if [ "${CI:-}" = "true" ]; then
    profile=ci
fi
if [ "$llm" = false ]; then
    exec cargo nextest run --workspace --locked --no-fail-fast --profile "$profile" "$@"
fi
status=0
cargo nextest run --workspace --locked --no-fail-fast --profile "$profile" "$@" || status=$?
cargo nextest run -p jetcrawl-tests --test agent --locked --no-fail-fast --profile "$profile" \
    --run-ignored only --no-capture || status=$?
exit "$status"
