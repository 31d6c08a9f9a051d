#!/usr/bin/env bash
# Creates the compose secrets in ./secrets/ (random values, mode 0600) unless they exist:
# the Django secret key, the database password, the backup encryption key, and the field-encryption
# key (a Fernet key: 32 random bytes, URL-safe base64) with its blind-index key (portal/crypto.py).
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
for name in field_encryption_keys field_index_key; do
  if [ ! -s "secrets/$name" ]; then
    python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())" > "secrets/$name"
    echo "created secrets/$name"
  fi
done
