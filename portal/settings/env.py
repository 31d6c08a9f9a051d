"""Strict environment readers: a malformed value stops start-up instead of silently defaulting.

django-environ parses DATABASE_URL/CACHE_URL for us, but its bool/int casts turn "ture" into False
and raise bare ValueErrors, so scalar values go through these small wrappers that raise
ImproperlyConfigured naming the variable.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default  # an empty line in .env means "not set", never a silent False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """Reads NAME, or the file named by NAME_FILE (Docker/K8s secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to an unreadable file: {exc}") from None
    return os.environ.get(name, default)


_KNOWN_ENGINES = {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}


def env_database(name: str = "DATABASE_URL") -> dict | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises assorted errors for bad URLs
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if config.get("ENGINE") not in _KNOWN_ENGINES or not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {raw!r}")
    # The password may stay out of the URL (which `docker inspect` shows): DATABASE_PASSWORD, or the
    # file named by DATABASE_PASSWORD_FILE (a compose secret), wins over one written in the URL.
    password = env_secret("DATABASE_PASSWORD")
    if password:
        config["PASSWORD"] = password
    return config


def env_url(name: str, *, schemes: tuple[str, ...]) -> str | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {', '.join(schemes)}, got {raw!r}")
    return raw
