#!/usr/bin/env bash
# Copy pinned front-end packages from the npm registry into static/vendor/, with the
# version in each file name. Run by hand when a version changes; the result is
# committed, so running the app needs no Node. Needs npm (for `npm pack`) and tar.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package        version   file in the package             name in static/vendor
PACKAGES=(
  "htmx.org       2.0.11    dist/htmx.min.js                htmx-2.0.11.min.js"
)

for line in "${PACKAGES[@]}"; do
  read -r pkg version src name <<<"$line"
  key="${pkg//\//_}@$version"
  if [ ! -d "$work/$key" ]; then
    mkdir -p "$work/$key"
    (cd "$work/$key" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf ./*.tgz)
  fi
  cp "$work/$key/package/$src" "$dest/$name"
  echo "$dest/$name  <-  $pkg@$version $src"
done
