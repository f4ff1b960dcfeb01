#!/usr/bin/env bash
# CI without a registry: makes the base image the Dockerfile is built on (BASE_IMAGE), from Debian's
# mirror and this machine's own Node 22, instead of pulling node:22-bookworm-slim.
#   deploy/ci/make-base-image.sh [TAG]        (default localhost/cohort-node-base:22-bookworm)
# Debian bookworm minbase (mmdebstrap), plus:
#   - node: the Node 22 binary the dev dependency `node@22` installed (node_modules/node/bin/node);
#   - npm: the npm package found beside this machine's npm command (npm 11 runs on Node 22), needed
#     by the Dockerfile's build stage;
#   - the Node-API headers of this machine's Node (include/node) and an npmrc naming them (nodedir),
#     so sqlite3 compiles where neither its prebuilt binary nor Node's headers can be downloaded
#     (Node-API is stable across Node versions);
#   - this machine's CA bundle, so npm inside the build trusts what npm on the host trusts.
# Needs root, mmdebstrap and a running Docker engine (DOCKER_HOST).
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-localhost/cohort-node-base:22-bookworm}
mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}

node_bin=node_modules/node/bin/node
[ -x "$node_bin" ] || { echo "make-base-image: $node_bin is missing: run npm ci first" >&2; exit 1; }
case "$("$node_bin" --version)" in v22.*) ;; *) echo "make-base-image: $node_bin is not Node 22" >&2; exit 1 ;; esac
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_dir/package.json" ] || { echo "make-base-image: no npm package found beside the npm command" >&2; exit 1; }
headers=$(readlink -m "$npm_dir/../../../include/node")   # <prefix>/lib/node_modules/npm -> <prefix>/include/node
[ -f "$headers/node_api.h" ] || { echo "make-base-image: no Node headers (include/node/node_api.h) beside this machine's npm" >&2; exit 1; }
ca_bundle=/etc/ssl/certs/ca-certificates.crt

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/etc"
cp "$node_bin" "$stage/bin/node"
printf 'nodedir=/usr/local\ncafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' >"$stage/etc/npmrc"

mmdebstrap --quiet --variant=minbase \
  --customize-hook="copy-in $stage/bin/node /usr/local/bin" \
  --customize-hook='mkdir -p "$1/usr/local/lib/node_modules" "$1/usr/local/include" "$1/usr/local/etc" "$1/etc/ssl/certs"' \
  --customize-hook="copy-in $npm_dir /usr/local/lib/node_modules" \
  --customize-hook="copy-in $headers /usr/local/include" \
  --customize-hook="copy-in $stage/etc/npmrc /usr/local/etc" \
  --customize-hook="copy-in $ca_bundle /etc/ssl/certs" \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
  --customize-hook='rm -rf "$1/var/cache/apt/archives/"*.deb "$1/var/lib/apt/lists/"*' \
  bookworm - "$mirror" |
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["node"]' - "$tag" >/dev/null
docker run --rm "$tag" sh -c 'node --version && npm --version' >/dev/null
echo "$tag"
