#!/usr/bin/env bash
# The compiler scripts/test.sh builds the workspace's own crates with: Cargo runs it as
# `lint-rustc.sh rustc ARGS...` (RUSTC_WORKSPACE_WRAPPER) for workspace members only.
# clippy-driver is rustc with Clippy's lints added, the same driver `cargo clippy` runs
# in check mode, so each crate is linted while it is compiled, every warning denied, and
# the dependencies compile once instead of a second time for a separate check (ADR 50).
set -euo pipefail
exec "${JETCRAWL_CLIPPY_DRIVER:-clippy-driver}" "$@" -D warnings
