# Shared by the setup scripts (sourced, never run): messages, the root check and the
# install of missing Debian packages.

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

require_root() {
    is_root || die "$1 must be installed, which needs root: run 'sudo $0', or install it yourself and run this again"
}

# Installs the Debian packages named, if any, with apt-get (as root).
apt_install_missing() {
    [ "$#" -gt 0 ] || return 0
    require_root "$*"
    log "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "$@"
}
