#!/usr/bin/env bash
# Installs what the benchmark's peer crawlers (services/bench/peers) need, and only
# what is missing:
#   - Node.js and npm (Debian packages nodejs and npm, apt-get, as root);
#   - Crawlee and playwright-core, with `npm ci` from services/bench/peers/package-lock.json,
#     when node_modules is missing or older than the lock file.
# Playwright never downloads a browser here: the peers drive Debian's Chromium, which
# scripts/setup.sh installs. Safe to run again: a second run installs nothing.
set -euo pipefail

NODE_MAJOR_MIN=20 # playwright-core 1.62 needs Node.js 20

. "$(dirname "${BASH_SOURCE[0]}")/setup-lib.sh"

peers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/services/bench/peers"

# --- Node.js and npm ------------------------------------------------------------

missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

apt_install_missing "${missing[@]}"

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge "$NODE_MAJOR_MIN" ] ||
    die "Node.js $(node --version) is too old for the peer crawlers: install Node.js $NODE_MAJOR_MIN or later"

# --- Crawlee ----------------------------------------------------------------------

# npm writes node_modules/.package-lock.json at the end of every install.
installed="$peers_dir/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$peers_dir/package-lock.json" -nt "$installed" ]; then
    log "installing Crawlee (npm ci in $peers_dir)"
    (cd "$peers_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# --- Report -----------------------------------------------------------------------

version() { node -p "require('$peers_dir/node_modules/$1/package.json').version"; }
log "crawlee: $(version @crawlee/playwright) (playwright-core $(version playwright-core), node $(node --version))"
