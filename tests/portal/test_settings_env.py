"""Settings fail loudly on malformed environment values: start-up stops with ImproperlyConfigured
naming the variable, instead of silently falling back to a default.

The end-to-end cases load portal.settings.base in a fresh interpreter (settings are read once per
process); the helpers in portal/settings/env.py are also tested directly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

ROOT = Path(__file__).resolve().parents[2]
VALID_KEY = "k" * 50

# Prints what the settings made of the environment, for the positive case.
_SETUP = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "secret_key": s.SECRET_KEY, "debug": s.DEBUG, "allowed_hosts": s.ALLOWED_HOSTS,
    "db_engine": s.DATABASES["default"]["ENGINE"], "db_host": s.DATABASES["default"]["HOST"],
    "cache": s.CACHES["default"]["BACKEND"], "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "idle": s.SESSION_COOKIE_AGE, "admin_url": s.ADMIN_URL, "ssl_header": s.SECURE_PROXY_SSL_HEADER,
}))
"""


def _load_settings(**overrides: str | None) -> subprocess.CompletedProcess:
    """Imports the production settings with only these variables set (None removes one), so the
    developer's or CI's own environment cannot leak in."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "SECRET_KEY": VALID_KEY,
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", _SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        pytest.param({"DEBUG": "maybe"}, "DEBUG", id="bool-not-a-bool"),
        pytest.param({"SESSION_IDLE_SECONDS": "abc"}, "SESSION_IDLE_SECONDS", id="int-not-a-number"),
        pytest.param({"SESSION_IDLE_SECONDS": "5"}, "SESSION_IDLE_SECONDS", id="int-below-minimum"),
        pytest.param({"DATABASE_URL": "notaurl://x"}, "DATABASE_URL", id="database-unknown-scheme"),
        pytest.param({"DATABASE_URL": "postgres//bad"}, "DATABASE_URL", id="database-no-scheme"),
        pytest.param({"CACHE_URL": "memcached://cache:11211"}, "CACHE_URL", id="cache-wrong-scheme"),
        pytest.param({"CELERY_BROKER_URL": "http://x"}, "CELERY_BROKER_URL", id="broker-wrong-scheme"),
        pytest.param(
            {"CELERY_TASK_TIME_LIMIT": "4000", "CELERY_VISIBILITY_TIMEOUT": "3600"},
            "CELERY_VISIBILITY_TIMEOUT",
            id="task-outlives-visibility",
        ),
        pytest.param({"SECRET_KEY": None}, "SECRET_KEY", id="secret-key-missing"),
        pytest.param(
            {"SECRET_KEY": None, "SECRET_KEY_FILE": "/nonexistent/dx-portal-secret"},
            "SECRET_KEY_FILE",
            id="secret-key-file-missing",
        ),
    ],
)
def test_malformed_value_stops_startup(overrides, named):
    result = _load_settings(**overrides)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    error_line = result.stderr.strip().splitlines()[-1]
    assert named in error_line, result.stderr


def test_valid_environment_loads(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(f"  {VALID_KEY}-from-file\n", encoding="utf-8")
    result = _load_settings(
        SECRET_KEY="ignored-when-the-file-is-set",
        SECRET_KEY_FILE=str(key_file),
        DEBUG="no",
        ALLOWED_HOSTS="portal.example.cn, .example.cn",
        DATABASE_URL="postgres://portal:portal@db:5432/portal",
        CACHE_URL="redis://redis:6379/1",
        CELERY_BROKER_URL="redis://redis:6379/0",
        SESSION_IDLE_SECONDS="900",
        ADMIN_URL="/ops/",
        BEHIND_TLS_PROXY="on",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded == {
        "secret_key": f"{VALID_KEY}-from-file",
        "debug": False,
        "allowed_hosts": ["portal.example.cn", ".example.cn"],
        "db_engine": "django.db.backends.postgresql",
        "db_host": "db",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "eager": False,
        "idle": 900,
        "admin_url": "ops/",
        "ssl_header": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


# --- Helpers, in-process --------------------------------------------------------------------------

VAR = "DX_PORTAL_TEST_VAR"


@pytest.fixture
def setenv(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.delenv(f"{VAR}_FILE", raising=False)
    return lambda value, name=VAR: monkeypatch.setenv(name, value)


def test_env_str(setenv):
    assert env_str(VAR, "fallback") == "fallback"
    setenv("value")
    assert env_str(VAR, "fallback") == "value"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_true(setenv, raw):
    setenv(raw)
    assert env_bool(VAR, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off"])
def test_env_bool_false(setenv, raw):
    setenv(raw)
    assert env_bool(VAR, True) is False


def test_env_bool_unset_uses_default(setenv):
    assert env_bool(VAR, True) is True
    assert env_bool(VAR) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "ture", "y"])
def test_env_bool_rejects_anything_else(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_bool(VAR, False)


def test_env_int(setenv):
    assert env_int(VAR, 7) == 7
    setenv("  ")
    assert env_int(VAR, 7) == 7  # blank counts as unset
    setenv(" 42 ")
    assert env_int(VAR, 7, minimum=42) == 42


@pytest.mark.parametrize(("raw", "message"), [("abc", "integer"), ("1.5", "integer"), ("9", ">= 10")])
def test_env_int_rejects(setenv, raw, message):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR) as excinfo:
        env_int(VAR, 30, minimum=10)
    assert message in str(excinfo.value)


def test_env_list(setenv):
    default = ["a"]
    result = env_list(VAR, default)
    assert result == ["a"]
    result.append("b")
    assert default == ["a"], "the caller's default must not be shared"
    assert env_list(VAR) == []
    setenv(" x , ,y,")
    assert env_list(VAR, default) == ["x", "y"]
    setenv("")
    assert env_list(VAR, default) == []


def test_env_secret_from_variable_or_default(setenv):
    assert env_secret(VAR) is None
    assert env_secret(VAR, "fallback") == "fallback"
    setenv("s3cret")
    assert env_secret(VAR) == "s3cret"


def test_env_secret_file_wins_and_is_stripped(setenv, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n", encoding="utf-8")
    setenv("from-variable")
    setenv(str(secret), f"{VAR}_FILE")
    assert env_secret(VAR) == "from-file"


def test_env_secret_missing_file(setenv, tmp_path):
    setenv(str(tmp_path / "absent"), f"{VAR}_FILE")
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}_FILE"):
        env_secret(VAR)


def test_env_database(setenv):
    assert env_database(VAR) is None
    setenv("postgres://u:p@db:5433/portal")
    config = env_database(VAR)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db", 5433, "portal", "u")
    setenv("sqlite:////tmp/portal.sqlite3")
    assert env_database(VAR)["ENGINE"] == "django.db.backends.sqlite3"


def test_env_database_password_from_a_secret_file_wins(setenv, monkeypatch, tmp_path):
    """Compose passes the password as a secret file, so it never shows in `docker inspect` (#14)."""
    setenv("postgres://portal@db:5432/portal")
    monkeypatch.delenv("DATABASE_PASSWORD", raising=False)
    monkeypatch.delenv("DATABASE_PASSWORD_FILE", raising=False)
    assert env_database(VAR)["PASSWORD"] == ""
    monkeypatch.setenv("DATABASE_PASSWORD", "from-variable")
    assert env_database(VAR)["PASSWORD"] == "from-variable"
    secret = tmp_path / "db_password"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", str(secret))
    setenv("postgres://portal:in-url@db:5432/portal")
    assert env_database(VAR)["PASSWORD"] == "s3cret-from-file"


@pytest.mark.parametrize("raw", ["notaurl://x", "postgres//bad", "postgres://db-without-name"])
def test_env_database_rejects(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_database(VAR)


def test_env_url(setenv):
    assert env_url(VAR, schemes=("redis",)) is None
    setenv("")
    assert env_url(VAR, schemes=("redis",)) is None
    setenv("rediss://cache:6380/1")
    assert env_url(VAR, schemes=("redis", "rediss")) == "rediss://cache:6380/1"


@pytest.mark.parametrize("raw", ["http://x", "redis:/x", "cache:6379"])
def test_env_url_rejects(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_url(VAR, schemes=("redis", "rediss"))


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    """Every deployment warning can be switched off from the environment (#13, R38)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "SECRET_KEY": "x9" * 30 + "Qz-_pL",
        "DEBUG": "no",
        "ALLOWED_HOSTS": "portal.example.cn",
        "DATABASE_URL": "postgres://portal:portal@db:5432/portal",
        "CACHE_URL": "redis://redis:6379/1",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "SECURE_SSL_REDIRECT": "yes",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "yes",
        "SECURE_HSTS_PRELOAD": "yes",
        "BEHIND_TLS_PROXY": "yes",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        # Encrypted fields need their keys (portal/crypto.py; `check --deploy` reports them missing).
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI=",
        "FIELD_INDEX_KEY": "deploy-check-index-key",
        # The privacy notice shows the controller's contact (`check --deploy` reports it missing).
        "PRIVACY_CONTACT": "龙华区工业和信息化局 数字化转型诊断服务专线 0755-00000000，dx@example.gov.cn",
    }
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
