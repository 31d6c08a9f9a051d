#!/usr/bin/env bash
# Installs the Debian packages the portal needs outside Python: CJK fonts and HarfBuzz subsetting for
# WeasyPrint PDFs, poppler-utils (pdffonts/pdftotext in tests), gettext (compiled translations) and
# Chromium for the browser tests, docker-compose (tests validate docker-compose.yml with `config`) and the PostgreSQL client and GnuPG (pg_dump/pg_restore and the encryption of `manage.py backup`/`restore`). As root it installs what is missing; otherwise it prints the command.
set -euo pipefail
packages=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext chromium docker-compose postgresql-client gnupg)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive $cmd
else
  echo "Missing system packages: ${missing[*]}"
  echo "Run as root:  sudo apt-get update && sudo $cmd"
fi
