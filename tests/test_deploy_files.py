"""Deployment files stay consistent with the code: docker-compose.yml validates and wires the services
as documented, the Dockerfile installs the PDF fonts and drops root, .env.example documents every
variable the settings read, and the `make run` / `make test` / .ci/run entry points exist.
No database needed."""

import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from portal.settings import env as env_module

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# Readers whose first argument names an environment variable.
_ENV_CALL = re.compile(
    r"""\b(env_str|env_bool|env_int|env_list|env_secret|env_database|env_url"""
    r"""|os\.environ\.get|os\.environ\.setdefault|os\.environ\.pop|os\.getenv)\(\s*(?:["']([A-Z][A-Z0-9_]*)["'])?"""
)
_ENV_SUBSCRIPT = re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]""")
# Documented in .env.example although the settings do not read them.
_NOT_SETTINGS = {"REQUIRE_SERVICES", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY"}


# --- docker-compose.yml ---------------------------------------------------------------------------


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _compose_binary() -> str | None:
    if Path("/usr/bin/docker-compose").is_file():
        return "/usr/bin/docker-compose"
    return shutil.which("docker-compose")


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the `- NAME=value` form
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _named_volumes(service: dict) -> dict[str, str]:
    """target path -> named volume (bind mounts and anonymous volumes left out)."""
    mounts = {}
    for entry in service.get("volumes") or []:
        source, target = (
            entry.split(":")[:2] if isinstance(entry, str) else (entry.get("source", ""), entry["target"])
        )
        if source and not source.startswith((".", "/", "~")):
            mounts[target] = source
    return mounts


def _command(service: dict) -> list[str]:
    command = service.get("command") or []
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def _check_structure(compose: dict) -> None:
    """The cross-references `docker-compose config` checks, for machines without the binary."""
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name}: neither image nor build"
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        for volume in _named_volumes(service).values():
            assert volume in declared_volumes, f"{name} mounts undeclared volume {volume}"


def test_compose_file_validates(tmp_path):
    # Run in a scratch copy: env_file .env must exist, and the checkout must not gain a .env.
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    binary = _compose_binary()
    if binary is None:
        assert not REQUIRE_SERVICES, "REQUIRE_SERVICES=1 but docker-compose is not installed"
        _check_structure(_compose())
        return
    result = subprocess.run(
        [binary, "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_compose_services_are_wired_as_documented():
    compose = _compose()
    _check_structure(compose)
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= services.keys()

    assert str(services["db"]["image"]).startswith("postgres:15")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])

    redis_command = _command(services["redis"])
    assert "noeviction" in redis_command
    assert redis_command[redis_command.index("noeviction") - 1] == "--maxmemory-policy"
    assert "--appendonly" in redis_command

    worker = _command(services["worker"])
    assert worker[:4] == ["celery", "-A", "portal", "worker"]
    queues = worker[worker.index("-Q") + 1].split(",")
    assert {"default", "reports"} <= set(queues)

    for name in ("web", "worker"):
        dependencies = services[name]["depends_on"]
        assert dependencies["db"]["condition"] == "service_healthy", name
        assert dependencies["redis"]["condition"] == "service_healthy", name
        env = _environment(services[name])
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@db:" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["CACHE_URL"].startswith("redis://redis:")

    # Uploads written by the web process must be readable by the worker rendering reports.
    web_media = _environment(services["web"])["MEDIA_ROOT"]
    worker_media = _environment(services["worker"])["MEDIA_ROOT"]
    assert web_media == worker_media
    web_volume = _named_volumes(services["web"]).get(web_media)
    assert web_volume, f"web: MEDIA_ROOT {web_media} is not on a named volume"
    assert _named_volumes(services["worker"]).get(worker_media) == web_volume


def test_compose_keeps_secrets_out_of_the_environment_and_serves_through_a_tls_proxy():
    """#14: secrets as compose secrets (files), the database password configurable, gunicorn only on
    the loopback, and a TLS-terminating proxy as the public entry."""
    compose = _compose()
    services = compose["services"]
    secret_names = {"SECRET_KEY", "DATABASE_PASSWORD", "POSTGRES_PASSWORD", "BACKUP_KEY", "EMAIL_HOST_PASSWORD"}
    for name, service in services.items():
        env = _environment(service)
        assert not secret_names & env.keys(), f"{name} passes a secret as a plain value"
        assert ":" not in env.get("DATABASE_URL", "postgres://").split("//", 1)[1].split("@")[0], (
            f"{name}: password inside DATABASE_URL")
        for key, value in env.items():
            if key.endswith("_FILE"):
                assert value.startswith("/run/secrets/"), f"{name}: {key} is not a compose secret"
                assert value.rsplit("/", 1)[1] in (service.get("secrets") or []), f"{name}: {key} not mounted"
    assert {"django_secret_key", "db_password", "backup_key"} <= set(compose["secrets"])
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert _environment(services["db"])["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "/secrets/" in (ROOT / ".gitignore").read_text().splitlines()

    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    proxy = services["proxy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert any(str(v).startswith("./deploy/Caddyfile:") for v in proxy["volumes"])
    assert "reverse_proxy web:8000" in (ROOT / "deploy" / "Caddyfile").read_text()
    production = (ROOT / "deploy" / "production.env").read_text()
    for switch in ("BEHIND_TLS_PROXY=1", "SECURE_COOKIES=1", "SECURE_SSL_REDIRECT=1", "DEMO_MODE=0", "DEBUG=0"):
        assert switch in production.splitlines()
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"][0] == "deploy/production.env", name

    # The backup service writes to its own volume and reads the same media the web process writes.
    backup = services["backup"]
    assert "manage.py backup" in " ".join(_command(backup))
    assert _named_volumes(backup)["/app/var/media"] == _named_volumes(services["web"])["/app/var/media"]
    assert _named_volumes(backup)["/app/var/backups"] == "backups"


# --- Dockerfile -----------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # comment inside a continued instruction
            continue
        current += " " + stripped.removesuffix("\\")
        if not stripped.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def test_beat_runs_in_the_stack_for_the_job_sweeper():
    """Without beat nothing re-enqueues a report whose publish failed or whose worker died (#13)."""
    services = _compose()["services"]
    beat = _command(services["beat"])
    assert beat[:4] == ["celery", "-A", "portal", "beat"]
    assert services["beat"].get("restart", "unless-stopped") != "no"
    assert "redis" in services["beat"]["depends_on"]


def test_dockerfile_installs_pdf_dependencies_and_drops_root():
    instructions = _dockerfile_instructions()
    runs = [args for op, args in instructions if op == "RUN"]
    apt = " ".join(args for args in runs if "apt-get install" in args)
    for package in ("fonts-noto-cjk", "libharfbuzz-subset0", "libpango-1.0-0", "gettext"):
        assert re.search(rf"(?<![\w.-]){re.escape(package)}(?![\w.-])", apt), package
    assert not re.search(r"(?<![\w-])chromium(?![\w-])", apt), "chromium is for browser tests only"

    last_run = max(i for i, (op, _) in enumerate(instructions) if op == "RUN")
    users = [(i, args.split()[0]) for i, (op, args) in enumerate(instructions) if op == "USER"]
    assert users, "no USER line: the container would run as root"
    assert users[-1][0] > last_run, "a USER line must follow the last RUN"
    assert users[-1][1].split(":")[0] not in {"root", "0"}

    # The build-time key must not become part of the runtime environment.
    env_lines = " ".join(args for op, args in instructions if op in {"ENV", "ARG"})
    assert "SECRET_KEY" not in env_lines


# --- .env.example ---------------------------------------------------------------------------------


def _settings_env_names() -> set[str]:
    default_database_var = inspect.signature(env_module.env_database).parameters["name"].default
    names = set()
    for path in sorted((ROOT / "portal" / "settings").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for reader, name in _ENV_CALL.findall(source):
            if reader == "env_database" and not name:
                name = default_database_var
            if not name:
                continue  # a variable, not a literal (the helpers themselves in env.py)
            names.add(name)
            if reader == "env_secret":
                names.add(f"{name}_FILE")
        names.update(_ENV_SUBSCRIPT.findall(source))
    return names


def _documented_names() -> dict[str, int]:
    """NAME -> line index, for `NAME=` and `# NAME=` lines."""
    documented = {}
    for index, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()):
        match = re.match(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=", line)
        if match:
            documented.setdefault(match.group(1), index)
    return documented


def test_env_example_documents_every_variable_the_settings_read():
    read = _settings_env_names()
    # Guard the regex itself: if it stopped matching, the test below would pass vacuously.
    assert {"SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG"} <= read
    documented = _documented_names()
    missing = sorted((read | {"REQUIRE_SERVICES"}) - documented.keys())
    assert not missing, f".env.example lacks {missing}"
    stale = sorted(documented.keys() - read - _NOT_SETTINGS)
    assert not stale, f".env.example documents variables nothing reads: {stale}"


def test_env_example_comments_every_variable():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for name, index in _documented_names().items():
        above = lines[index - 1].strip() if index else ""
        assert above.startswith("#"), f"{name}: needs a comment line above it"
        assert not re.match(r"^#\s*[A-Z][A-Z0-9_]*=", above), f"{name}: the line above is another variable"


def test_env_example_values_are_accepted_by_the_settings(tmp_path):
    """Every value shown, active or commented, loads: the documentation cannot drift into values
    the settings reject."""
    env = {"PATH": os.environ.get("PATH", "")}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            env[match.group(1)] = match.group(2).strip()
    for name in [n for n in env if n.endswith("_FILE")]:
        env.pop(name)  # example paths of secret files; the files are not there
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.base"
    env["SECRET_KEY"] = env["SECRET_KEY"] or "x" * 50
    env["STATIC_ROOT"] = str(tmp_path / "static")
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Entry points ---------------------------------------------------------------------------------


def test_make_targets_and_ci_entry_point():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"Makefile lacks `{target}:`"
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK), ".ci/run must be executable"
    assert re.search(r"^\s*(?:exec\s+)?make\s+test\b", ci.read_text(encoding="utf-8"), re.MULTILINE)


def _make_run_dry(host: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | env
    result = subprocess.run(["make", "-n", "run", f"HOST={host}"], cwd=ROOT, env=environ, capture_output=True,
                            text=True, timeout=60, check=True)
    return next(line for line in result.stdout.splitlines() if "runserver" in line)


def test_make_run_sets_the_site_url_to_the_served_address_unless_configured():
    # The PDF's verification link and QR are built from SITE_URL: `make run HOST=…` must not leave
    # them on 127.0.0.1:8000, and a configured SITE_URL (a proxy's public name) wins.
    assert "SITE_URL='http://10.1.2.3:9000'" in _make_run_dry("10.1.2.3:9000")
    assert "SITE_URL='https://portal.example.cn'" in _make_run_dry("10.1.2.3:9000", SITE_URL="https://portal.example.cn")
