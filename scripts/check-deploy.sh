#!/usr/bin/env bash
# Django's deployment checks under the production settings the compose file deploys
# (deploy/production.env), with a throwaway SECRET_KEY: any warning fails (make gates, R38).
set -euo pipefail
cd "$(dirname "$0")/.."
set -a
# shellcheck disable=SC1091
. deploy/production.env
set +a
export SECRET_KEY="gate-only-$(date +%s%N)-not-a-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Throwaway field-encryption keys too (portal/crypto.py): the check only needs them to be present and valid.
export FIELD_ENCRYPTION_KEYS="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')"
export FIELD_INDEX_KEY="gate-only-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
exec "${PYTHON:-.venv/bin/python}" manage.py check --deploy --fail-level WARNING
