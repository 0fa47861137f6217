#!/usr/bin/env bash
# Copies the pinned npm packages' distribution files that the pages use to where the app
# serves them from. Only the built files are copied, and their `sourceMappingURL` comments are
# stripped: the maps are not shipped, and whitenoise's manifest storage (production) refuses
# to collect a file that names a missing one.
set -euo pipefail
src=${1:-node_modules}
dst=${2:-build/vendor}
rm -rf "$dst"
mkdir -p "$dst"/{bootstrap/css,bootstrap/js,bootstrap-icons/font,htmx,tom-select/css,tom-select/js,echarts}
cp "$src/bootstrap/dist/css/bootstrap.min.css" "$dst/bootstrap/css/"
cp "$src/bootstrap/dist/js/bootstrap.bundle.min.js" "$dst/bootstrap/js/"
cp -r "$src/bootstrap-icons/font/bootstrap-icons.min.css" "$src/bootstrap-icons/font/fonts" "$dst/bootstrap-icons/font/"
cp "$src/htmx.org/dist/htmx.min.js" "$dst/htmx/"
cp "$src/tom-select/dist/css/tom-select.bootstrap5.min.css" "$dst/tom-select/css/"
cp "$src/tom-select/dist/js/tom-select.complete.min.js" "$dst/tom-select/js/"
cp "$src/echarts/dist/echarts.min.js" "$dst/echarts/"
find "$dst" -type f \( -name '*.js' -o -name '*.css' \) -print0 |
  xargs -0 sed -i -E -e 's@/[/*]# sourceMappingURL=[^ *]*( \*/)?$@@'
if grep -rl 'sourceMappingURL=' "$dst" >/dev/null; then
  echo "copy_assets.sh: a sourceMappingURL comment survived in:" >&2
  grep -rl 'sourceMappingURL=' "$dst" >&2
  exit 1
fi
