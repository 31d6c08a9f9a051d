"""Local development: `make run`. SQLite and eager Celery unless DATABASE_URL / CELERY_BROKER_URL."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
os.environ.setdefault("DEMO_MODE", "1")
os.environ.setdefault("SECURE_COOKIES", "0")
# Development-only keys for encrypted fields (portal/crypto.py); production sets its own.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktZmllbGQta2V5LWNoYW5nZS1tZS0wMTI=")
os.environ.setdefault("FIELD_INDEX_KEY", "dev-only-blind-index-key")

from portal.settings.base import *  # noqa: E402,F403

DEBUG = True

# The embedded default (no broker, tasks run in-process): report PDFs render in a background
# thread, never in the request (portal/jobs.py). REPORTS_IN_BACKGROUND_THREAD=0 renders inline.
REPORTS_IN_BACKGROUND_THREAD = env_bool("REPORTS_IN_BACKGROUND_THREAD", CELERY_TASK_ALWAYS_EAGER)  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The SQLite file and uploads live in ./var (git-ignored).
(BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405

# Serve static files from the app folders without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
