#!/usr/bin/env bash
# Creates the compose secrets in ./secrets/ (random values, mode 0600) unless they exist:
# the Django secret key, the database password and the backup encryption key.
# Rotating one: README, "Operations — rotating keys".
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
for name in django_secret_key db_password backup_key; do
  if [ ! -s "secrets/$name" ]; then
    python3 -c "import secrets; print(secrets.token_urlsafe(48))" > "secrets/$name"
    echo "created secrets/$name"
  fi
done
