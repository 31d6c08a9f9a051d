"""Local development: `make run`. SQLite and eager Celery unless DATABASE_URL / CELERY_BROKER_URL."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
os.environ.setdefault("DEMO_MODE", "1")
os.environ.setdefault("SECURE_COOKIES", "0")

from portal.settings.base import *  # noqa: E402,F403

DEBUG = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The SQLite file and uploads live in ./var (git-ignored).
(BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405

# Serve static files from the app folders without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
