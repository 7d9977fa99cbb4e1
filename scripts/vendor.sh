#!/usr/bin/env bash
# Copy pinned front-end packages from the npm registry into static/vendor/ (and the
# test-only axe-core into tests/browser/vendor/), with the version in each path. Run by hand when a version changes; the result is
# committed, so running the app needs no Node. Needs npm (for `npm pack`) and tar.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package            version  file in the package                  destination
PACKAGES=(
  "htmx.org           2.0.11   dist/htmx.min.js                     static/vendor/htmx-2.0.11.min.js"
  "workbox-core       7.4.1    build/workbox-core.prod.js           static/vendor/workbox-7.4.1/workbox-core.prod.js"
  "workbox-routing    7.4.1    build/workbox-routing.prod.js        static/vendor/workbox-7.4.1/workbox-routing.prod.js"
  "workbox-strategies 7.4.1    build/workbox-strategies.prod.js     static/vendor/workbox-7.4.1/workbox-strategies.prod.js"
  "workbox-precaching 7.4.1    build/workbox-precaching.prod.js     static/vendor/workbox-7.4.1/workbox-precaching.prod.js"
  "workbox-expiration 7.4.1    build/workbox-expiration.prod.js     static/vendor/workbox-7.4.1/workbox-expiration.prod.js"
  "barcode-detector   3.2.2    dist/iife/ponyfill.js                static/vendor/barcode-detector-3.2.2/ponyfill.iife.js"
  "zxing-wasm         3.1.3    dist/reader/zxing_reader.wasm        static/vendor/zxing-wasm-3.1.3/zxing_reader.wasm"
  "qrcode-generator   2.0.4    dist/qrcode.js                       static/vendor/qrcode-generator-2.0.4.js"
  "axe-core           4.14.1   axe.min.js                           tests/browser/vendor/axe-core-4.14.1.min.js"
)

for line in "${PACKAGES[@]}"; do
  read -r pkg version src name <<<"$line"
  key="${pkg//\//_}@$version"
  if [ ! -d "$work/$key" ]; then
    mkdir -p "$work/$key"
    (cd "$work/$key" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf ./*.tgz)
  fi
  mkdir -p "$(dirname "$name")"
  cp "$work/$key/package/$src" "$name"
  echo "$name  <-  $pkg@$version $src"
done
