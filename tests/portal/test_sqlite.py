"""The embedded SQLite default never answers "database is locked" to one person clicking quickly
(issue #13 minor): WAL, transactions that take the write lock when they begin, a busy timeout."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db.utils import ConnectionHandler

ROOT = Path(__file__).resolve().parents[2]

_PRAGMAS = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({"journal": journal, "busy_ms": busy,
                  "mode": settings.DATABASES["default"]["OPTIONS"].get("transaction_mode")}))
"""


def _settings_process(tmp_path, **env_overrides) -> dict:
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "portal.settings.base",
           "SECRET_KEY": "k" * 50, "MEDIA_ROOT": str(tmp_path / "media"), **env_overrides}
    result = subprocess.run([sys.executable, "-c", _PRAGMAS], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_file_based_sqlite_database_runs_in_wal_with_a_busy_timeout(tmp_path):
    loaded = _settings_process(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    assert loaded == {"journal": "wal", "busy_ms": 20_000, "mode": "IMMEDIATE"}


def test_the_embedded_default_gets_the_same_options(tmp_path):
    # Without DATABASE_URL (the `make run` default); read only, so no database file is made.
    script = ("import json, django; django.setup(); from django.conf import settings as s; "
              "print(json.dumps(s.DATABASES['default'], default=str))")
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "portal.settings.base",
           "SECRET_KEY": "k" * 50, "MEDIA_ROOT": str(tmp_path / "media")}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["OPTIONS"] == settings.SQLITE_OPTIONS
    assert settings.SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE" and settings.SQLITE_OPTIONS["timeout"] >= 5


def test_two_quick_writes_that_read_first_both_succeed(tmp_path, django_db_blocker):
    """Two requests each read, then write, inside a transaction (an autosave): with deferred
    transactions the second one's upgrade to a write lock fails at once with "database is locked";
    with the settings' options it waits its turn."""
    with django_db_blocker.unblock():  # a database of its own, not the test database
        _two_autosaves({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "clicks.sqlite3"),
                        "OPTIONS": dict(settings.SQLITE_OPTIONS)}})


def _two_autosaves(config) -> None:
    setup = ConnectionHandler(config)["default"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE answer (value integer)")
    setup.close()
    errors: list[BaseException] = []

    def autosave(value: int) -> None:
        connection = ConnectionHandler(config)["default"]
        try:
            connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)  # as atomic()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM answer")
                time.sleep(0.3)
                cursor.execute("INSERT INTO answer VALUES (%s)", [value])
            connection.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=autosave, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    check = ConnectionHandler(config)["default"]
    with check.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM answer")
        assert cursor.fetchone()[0] == 2
    check.close()
