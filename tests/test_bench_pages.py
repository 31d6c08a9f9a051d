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


def run_bench(name: str, env: dict[str, str], *, timeout: float) -> subprocess.CompletedProcess:
    """`python -m bench NAME --quick`. On a timeout the bench gets SIGTERM first, so it stops the
    servers and workers it started (they run in their own process groups and would outlive a kill)."""
    process = subprocess.Popen([sys.executable, "-m", "bench", name, "--quick"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        pytest.fail(f"bench {name} --quick took over {timeout:.0f} s\n{stdout}{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_pages_bench_runs_in_quick_mode(bench_database_url):
    # The bench picks its own settings and database; the test run's must not leak into it.
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["BENCH_DATABASE_URL"] = bench_database_url
    done = run_bench("pages", env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "FAILED" not in output
    for figure in ("bare view GET", "questionnaire page GET", "autosave POST"):
        line = next((line for line in output.splitlines() if line.strip().startswith(figure)), "")
        assert "requests/s" in line and "errors 0" in line, output
