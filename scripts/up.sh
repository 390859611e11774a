#!/usr/bin/env bash
# Brings Jetcrawl up locally and runs a demo browser job on it:
# installs what is missing, builds, then runs `jetcrawl up --demo` until Ctrl-C.
# Extra arguments go to `jetcrawl up` (e.g. --exit-after-demo, --tabs 4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d "$HOME/.cargo/bin" ] && PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked -p jetcrawl-cli --bin jetcrawl
exec "${CARGO_TARGET_DIR:-target}/debug/jetcrawl" up --demo "$@"
