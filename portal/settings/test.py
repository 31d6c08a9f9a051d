"""Test settings. Database choice mirrors `make test`: DATABASE_URL if set, else the local
PostgreSQL on 127.0.0.1:5432 when it answers, else SQLite (PostgreSQL-only tests then skip,
or fail when REQUIRE_SERVICES=1; see tests/conftest.py)."""

import hashlib
import os
import socket
import tempfile
from pathlib import Path


def _local_postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


os.environ.setdefault("SECRET_KEY", "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEMO_MODE", "1")
os.environ.setdefault("SECURE_COOKIES", "0")
# Fixed test keys (portal/crypto.py): never used outside tests.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI=")
os.environ.setdefault("FIELD_INDEX_KEY", "test-only-blind-index-key")
if "DATABASE_URL" not in os.environ and _local_postgres_answers():
    # One database per checkout: two worktrees (or a developer's and CI's clone) running tests at
    # the same time must not create and drop each other's test database.
    _checkout = hashlib.sha1(str(Path(__file__).resolve().parents[2]).encode(), usedforsecurity=False).hexdigest()[:8]
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/dxportal_{_checkout}"
# The suite exercises the broker only in tests marked `redis`; everything else runs eagerly.
_broker = os.environ.pop("CELERY_BROKER_URL", None)

from portal.settings.base import *  # noqa: E402,F403

CELERY_BROKER_URL_FOR_TESTS = _broker
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Deterministic: a report renders on commit inside the test; tests of the thread turn it on.
REPORTS_IN_BACKGROUND_THREAD = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dxportal-media-"))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Serve static files from the app folders without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
