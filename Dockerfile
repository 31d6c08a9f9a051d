# One image for every process: web (default CMD), Celery worker and beat (commands set in
# docker-compose.yml). Build: docker build -t dx-portal .
FROM python:3.11-slim-bookworm

# Production settings unless told otherwise: manage.py alone would default to portal.settings.dev
# (DEBUG, demo accounts), which must never run in a container.
ENV DJANGO_SETTINGS_MODULE=portal.settings.base \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

# The same list as scripts/install-system-packages.sh minus chromium (browser tests only):
# CJK fonts and HarfBuzz subsetting for WeasyPrint PDFs, Pango for its layout, poppler-utils for
# PDF inspection, gettext for compilemessages, the PostgreSQL client for `manage.py backup`/`restore`.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        poppler-utils \
        gettext \
        postgresql-client \
        gnupg \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, from the lock file alone (exact versions, every file's hash checked), so code
# changes do not reinstall them and two builds of one commit install the same bytes.
COPY requirements/main.lock requirements/main.lock
RUN pip install --require-hashes -r requirements/main.lock

COPY . .

# Build-time only: settings refuse to load without SECRET_KEY, so these two commands get a throwaway
# value on their own command line; it never reaches the runtime environment.
# The code stays root-owned (read-only for the app); only var/ (uploads, beat schedule) is writable,
# and creating it here lets named volumes mounted on it inherit the ownership.
RUN SECRET_KEY=build-only-not-a-secret python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput -v 0 \
    && mkdir -p var/media var/beat var/backups \
    && chown -R portal:portal var

USER portal

EXPOSE 8000

# Host header: the first ALLOWED_HOSTS entry, or Django answers 400. X-Forwarded-Proto: so that
# SECURE_SSL_REDIRECT (with BEHIND_TLS_PROXY) does not redirect the probe to https. /healthz returns
# 503 when the database or broker is down, which urlopen raises on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.*') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]

# Workers from WEB_CONCURRENCY (gunicorn reads it). Requests are short (PDFs render in Celery), so
# 60 s is generous; --worker-tmp-dir on tmpfs keeps heartbeats off the overlay filesystem, and
# max-requests recycles workers to bound slow leaks.
CMD ["gunicorn", "portal.wsgi:application", \
     "--config", "python:portal.gunicorn_conf", \
     "--bind", "0.0.0.0:8000", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
