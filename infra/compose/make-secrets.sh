#!/usr/bin/env bash
# Makes the secret files infra/compose/compose.yaml mounts, in infra/compose/secrets/ or
# in the directory given as the first argument:
#
#   postgres_password    password of the Postgres role `jetcrawl`
#   signing_keys         result and report URL signing key, `k1=<64 hex>` (gateway, notifier)
#   ca.crt, ca.key       a private CA for the gateway's certificate (ca.key is never mounted)
#   gateway.crt, .key    the gateway's TLS certificate and key, for localhost, gateway,
#                        127.0.0.1 and the names in JETCRAWL_TLS_NAMES
#
#   JETCRAWL_TLS_NAMES="jetcrawl.example.com 203.0.113.7" infra/compose/make-secrets.sh
#
# Idempotent: a file that exists is kept, never overwritten; run it again to make what is
# missing. To use your own certificate, put gateway.crt, gateway.key and the CA that
# signed it (ca.crt) in the directory first. Needs openssl.
set -euo pipefail

dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"}

die() {
    echo "make-secrets.sh: $*" >&2
    exit 1
}

command -v openssl >/dev/null || die "openssl is needed (apt-get install openssl)"
mkdir -p "$dir"
# The containers run as uid 10001 (postgres and prometheus as their own users) and read
# these files through bind mounts, so the files are readable by all; this directory,
# 0700, keeps the other users of this machine out.
chmod 700 "$dir"
umask 022

work=$(mktemp -d "$dir/.make-secrets.XXXXXX")
trap 'rm -rf "$work"' EXIT

# place NAME [MODE]: moves $work/NAME into $dir unless $dir/NAME exists.
place() {
    if [[ -e "$dir/$1" ]]; then
        echo "kept    $dir/$1"
    else
        chmod "${2:-644}" "$work/$1"
        mv "$work/$1" "$dir/$1"
        echo "created $dir/$1"
    fi
}

random_hex() {
    openssl rand -hex 32
}

if [[ ! -e "$dir/postgres_password" ]]; then
    random_hex >"$work/postgres_password"
fi
place postgres_password

if [[ ! -e "$dir/signing_keys" ]]; then
    printf 'k1=%s\n' "$(random_hex)" >"$work/signing_keys"
fi
place signing_keys

# The subjectAltName of the gateway's certificate: what clients and the health check
# dial, plus the operator's names (IP addresses as IP:, the rest as DNS:).
alt_names() {
    local names="DNS:localhost,DNS:gateway,IP:127.0.0.1" name extra
    IFS=', ' read -ra extra <<<"${JETCRAWL_TLS_NAMES:-}"
    for name in "${extra[@]}"; do
        if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
            names+=",IP:$name"
        else
            names+=",DNS:$name"
        fi
    done
    echo "$names"
}

make_ca() {
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -sha256 -days 3650 -subj "/CN=Jetcrawl compose CA" \
        -config "$work/openssl.cnf" -extensions v3_ca \
        -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
    place ca.key 600
    place ca.crt
}

make_gateway_certificate() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/CN=jetcrawl-gateway" -config "$work/openssl.cnf" \
        -keyout "$work/gateway.key" -out "$work/gateway.csr" 2>/dev/null
    openssl x509 -req -in "$work/gateway.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -set_serial "0x$(openssl rand -hex 16)" -sha256 -days 825 \
        -extfile "$work/openssl.cnf" -extensions v3_gateway \
        -out "$work/gateway.crt" 2>/dev/null
    place gateway.key
    place gateway.crt
}

if [[ -e "$dir/gateway.crt" && -e "$dir/gateway.key" ]]; then
    echo "kept    $dir/gateway.crt and gateway.key"
elif [[ -e "$dir/gateway.crt" || -e "$dir/gateway.key" ]]; then
    die "only one of gateway.crt and gateway.key is in $dir: add the other, or remove it to have a new pair made"
else
    cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = jetcrawl
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_gateway]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $(alt_names)
EOF
    if [[ ! -e "$dir/ca.crt" && ! -e "$dir/ca.key" ]]; then
        make_ca
    elif [[ ! -e "$dir/ca.crt" || ! -e "$dir/ca.key" ]]; then
        die "only one of ca.crt and ca.key is in $dir: add the other, or remove it to have a new CA made"
    fi
    make_gateway_certificate
fi

# Clients (`jetcrawl --ca`) and Prometheus verify the gateway with ca.crt.
[[ -e "$dir/ca.crt" ]] || die "no ca.crt in $dir: put the CA that signed gateway.crt there"
