#!/usr/bin/env bash
# Copies the pinned npm packages' distribution files to where the app serves them from.
set -euo pipefail
src=${1:-node_modules}
dst=${2:-build/vendor}
rm -rf "$dst"
mkdir -p "$dst"/{bootstrap,bootstrap-icons,htmx,tom-select,echarts}
cp -r "$src/bootstrap/dist/css" "$src/bootstrap/dist/js" "$dst/bootstrap/"
mkdir -p "$dst/bootstrap-icons/font"
cp -r "$src/bootstrap-icons/font/bootstrap-icons.min.css" "$src/bootstrap-icons/font/fonts" "$dst/bootstrap-icons/font/"
cp "$src/htmx.org/dist/htmx.min.js" "$dst/htmx/"
cp -r "$src/tom-select/dist/css" "$src/tom-select/dist/js" "$dst/tom-select/"
cp "$src/echarts/dist/echarts.min.js" "$dst/echarts/"
find "$dst" -name '*.map' -delete
