"""Release gates an assessor checks (docs/security.md R38) that are tests rather than tools:
the locked dependency versions are at least the ones with known fixes (no vulnerability database is
reachable from here, so the floors are written down), the environment matches the lock, and nothing
that exists only for tests and demos can be reached under the production settings."""

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Package → (lowest acceptable version, why). Raise a floor when an advisory names a fixed release;
# `make lock` then picks the newest release anyway.
MINIMUM_VERSIONS = {
    "django": ("5.2.9", "5.2 series; CVE-2025-64459 (5.2.8), CVE-2025-13372 and CVE-2025-64460 (5.2.9)"),
    "djangorestframework": ("3.15.2", "CVE-2024-21520 (XSS in the browsable API)"),
    "celery": ("5.5.0", "5.5 series: the acks_late / visibility-timeout behaviour the job leases rely on"),
    "kombu": ("5.5.0", "the kombu release paired with Celery 5.5"),
    "weasyprint": ("70.0", "docs/security.md R38"),
    "pillow": ("10.3.0", "CVE-2024-28219; CVE-2023-50447 (10.2.0)"),
    "gunicorn": ("23.0.0", "CVE-2024-1135 and CVE-2024-6827 (request smuggling)"),
    "requests": ("2.32.4", "CVE-2024-47081"),
    "urllib3": ("2.5.0", "CVE-2025-50181 and CVE-2025-50182"),
}


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:4])


def _locked(lock: str, *, applicable_only: bool = False) -> dict[str, str]:
    """Name → pinned version; with ``applicable_only``, without those whose environment marker
    (e.g. ``python_full_version < '3.11.3'``) excludes this interpreter."""
    from packaging.markers import Marker

    pins = {}
    for name, pinned, marker in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+))?",
                                           (ROOT / "requirements" / lock).read_text(), re.M):
        if applicable_only and marker and not Marker(marker.strip()).evaluate():
            continue
        pins[name.lower().replace("_", "-")] = pinned
    return pins


@pytest.mark.parametrize("lock", ["main.lock", "dev.lock"])
def test_every_locked_requirement_is_pinned_with_hashes(lock):
    text = (ROOT / "requirements" / lock).read_text()
    requirements = re.findall(r"^[A-Za-z0-9_.\-]+[^\n]*", text, re.M)
    assert requirements, lock
    for line in requirements:
        assert "==" in line, f"{lock}: {line!r} is not pinned"
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text.strip())
    for block in blocks:
        assert "--hash=sha256:" in block, f"{lock}: {block.splitlines()[0]!r} has no hash"


@pytest.mark.parametrize("package", sorted(MINIMUM_VERSIONS))
def test_locked_version_is_at_least_the_known_fixed_release(package):
    minimum, why = MINIMUM_VERSIONS[package]
    pinned = _locked("dev.lock").get(package)
    assert pinned, f"{package} is not in requirements/dev.lock"
    assert _version_tuple(pinned) >= _version_tuple(minimum), f"{package} {pinned} < {minimum}: {why}"


def test_the_environment_runs_what_the_lock_pins():
    for package, pinned in _locked("dev.lock", applicable_only=True).items():
        if package in {"pip", "setuptools"}:
            continue
        assert _version_tuple(installed_version(package)) == _version_tuple(pinned), (
            f"{package}: installed {installed_version(package)}, locked {pinned} (run `make dev-deps`)")


def test_pyproject_and_lock_agree():
    """A dependency added to pyproject.toml without re-locking would be missing from every install."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = _locked("dev.lock")
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower().replace("_", "-")
        assert name in locked, f"{name} is in pyproject.toml but not in requirements/dev.lock (run `make lock`)"


_PRODUCTION_PROBE = r"""
import io, json, django
from django.conf import settings
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import get_resolver

def names(resolver, prefix=""):
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            yield from names(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p.name or ""

refusals = {}
for command, args in (("demo_totp", ["xitong"]), ("seed_demo", [])):
    try:
        call_command(command, *args, stdout=io.StringIO(), stderr=io.StringIO())
        refusals[command] = "ran"
    except CommandError as exc:
        refusals[command] = "refused" if "DEMO_MODE" in str(exc) else f"failed otherwise: {exc}"
    except Exception as exc:  # reached the database: it was not refused up front
        refusals[command] = f"not refused ({type(exc).__name__})"
print(json.dumps({
    "debug": settings.DEBUG,
    "demo_mode": settings.DEMO_MODE,
    "hashers": settings.PASSWORD_HASHERS,
    "backends": settings.AUTHENTICATION_BACKENDS,
    "eager": getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False),
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "urls": sorted(set(f"{route} {name}" for route, name in names(get_resolver()))),
    "refusals": refusals,
}))
"""


def test_no_test_or_demo_shortcut_is_reachable_under_production_settings(tmp_path):
    # A throw-away, empty database: were a demo command not refused, it must not touch a real one.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "DATABASE_URL": f"sqlite:///{tmp_path}/probe.sqlite3",
           "SECRET_KEY": "gate-probe-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
           # Production runs a broker (never the eager in-process stand-in); nothing is sent here.
           "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15"}
    for line in (ROOT / "deploy" / "production.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    out = subprocess.run([sys.executable, "-c", _PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["debug"] is False and probe["demo_mode"] is False and probe["eager"] is False
    assert probe["secure_cookies"] == [True, True]
    assert not any("MD5" in hasher or "Unsalted" in hasher for hasher in probe["hashers"])
    assert probe["backends"] == ["axes.backends.AxesStandaloneBackend",
                                 "django.contrib.auth.backends.ModelBackend"]
    assert probe["refusals"] == {"demo_totp": "refused", "seed_demo": "refused"}
    assert len(probe["urls"]) > 50  # the walk saw the real URLconf
    shortcuts = [url for url in probe["urls"] if re.search(r"login.?as|impersonat|test|__debug__|demo", url, re.I)]
    assert shortcuts == []
