#!/usr/bin/env bash
# The Debian packages the portal and its tests need beyond Python, installed with apt-get when missing.
#   tools/system_packages.sh        what `make run` and `make test` need: WeasyPrint's Pango and HarfBuzz, the
#                                   CJK fonts of the certificate, and the tools the document tests read PDFs,
#                                   SVGs and QR codes with (poppler-utils, librsvg2-bin, zbar-tools), gettext
#   tools/system_packages.sh --ci   the same plus Chromium and npm (browser and axe-core tests) and the
#                                   PostgreSQL and Redis servers; fails when anything is still missing
# Not root, or no apt-get: prints the command to run and carries on (make test then says which test needs what).
set -euo pipefail
ci=0; [ "${1:-}" = "--ci" ] && ci=1
missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_pkg libpangoft2-1.0-0
need_pkg libharfbuzz-subset0
need_pkg fonts-noto-cjk
need_cmd pdfinfo poppler-utils
need_cmd zbarimg zbar-tools
need_cmd rsvg-convert librsvg2-bin
need_cmd xgettext gettext
if [ $ci = 1 ]; then
  need_cmd chromium chromium
  need_cmd npm npm
  need_cmd pg_isready postgresql
  need_cmd redis-server redis-server
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif [ $ci = 0 ]; then
  echo "note: missing system packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})"
  exit 0
fi
if [ $ci = 1 ]; then
  for tool in chromium pdfinfo pdftoppm pdftotext zbarimg rsvg-convert npm xgettext; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool could not be installed"; exit 1; }
  done
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { echo "FAIL: fonts-noto-cjk could not be installed"; exit 1; }
fi
