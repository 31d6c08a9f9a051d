"""Smoke test of `python -m bench pages --quick`: the page benchmark runs end to end (a fresh bench
database, gunicorn, sign-ins through the login form, the three scenarios, gunicorn stopped) and
reports its figures without a failed request. Speed is never asserted here."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent


def _server():
    """Connection parameters of the PostgreSQL server the test database lives on."""
    db = settings.DATABASES["default"]
    return {key: db.get(name) for key, name in (("host", "HOST"), ("port", "PORT"), ("user", "USER"),
                                                ("password", "PASSWORD")) if db.get(name)}


@pytest.fixture
def bench_database_url():
    """A throw-away bench database of this process on the test server (the name must contain
    "bench" for bench/db.py to drop it), removed afterwards."""
    server = _server()
    name = f"dxportal_bench_smoke_{os.getpid()}"
    credentials = quote(server.get("user", ""), safe="")
    if server.get("password"):
        credentials += ":" + quote(server["password"], safe="")
    yield f"postgres://{credentials}@{server.get('host', 'localhost')}:{server.get('port', 5432)}/{name}"
    connection = psycopg2.connect(dbname="postgres", **server)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def test_pages_bench_runs_in_quick_mode(bench_database_url):
    # The bench picks its own settings and database; the test run's must not leak into it.
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["BENCH_DATABASE_URL"] = bench_database_url
    done = subprocess.run([sys.executable, "-m", "bench", "pages", "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "FAILED" not in output
    for figure in ("bare view GET", "questionnaire page GET", "autosave POST"):
        line = next((line for line in output.splitlines() if line.strip().startswith(figure)), "")
        assert "requests/s" in line and "errors 0" in line, output
