"""Backup and restore of a production instance (docs/security.md R37; README, "Operations").

A backup is a folder ``backup-<UTC time>/`` holding

- ``database.dump.gpg``: ``pg_dump --format=custom`` of the database, taken in an exported snapshot;
- ``media.tar.gpg``: the media store (evidence, reports, attachments) as a tar archive;
- ``manifest.json``: what a restore must reproduce — per table its row count and a checksum of its
  rows computed *in the same snapshot as the dump*, per stored file its SHA-256, the applied
  migrations — plus the SHA-256 of both encrypted files;
- ``manifest.json.hmac``: an HMAC of the manifest under the backup key, so a manifest edited to
  match a tampered archive is refused.

Both archives are encrypted with GnuPG (symmetric AES-256) under the key from ``BACKUP_KEY`` /
``BACKUP_KEY_FILE``: an operator can decrypt one by hand with ``gpg --decrypt`` in an emergency,
without this code. The key never touches the disk or a command line (it goes to gpg on a pipe).

``restore`` refuses a target database that already holds tables and a media folder that is not
empty, checks the manifest's HMAC and both archives' digests before decrypting anything, restores,
then recomputes every table checksum and file digest and runs ``migrate --check`` against the
restored database: a restore that does not reproduce the backup fails loudly.

The media store is read after the database snapshot: a file uploaded in between is included, and
no row of the snapshot can point at a file missing from the archive (files are never rewritten in
place; deletions run after their rows are gone).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from django.conf import settings
from django.db import connection, transaction
from psycopg2 import sql

FORMAT = 1
DUMP = "database.dump.gpg"
MEDIA = "media.tar.gpg"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.hmac"
PREFIX = "backup-"

# Text output of every type must not depend on the session: both sides set these before hashing rows.
# SET LOCAL: inside the hashing transaction only, never leaking into Django's connection.
_SESSION = ("SET LOCAL TIME ZONE 'UTC'", "SET LOCAL datestyle = 'ISO, YMD'", "SET LOCAL intervalstyle = 'postgres'",
            "SET LOCAL extra_float_digits = 1", "SET LOCAL bytea_output = 'hex'")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    database: str
    media_root: Path
    tables: int
    rows: int
    files: int
    seconds: float


# --- helpers -------------------------------------------------------------------------------------


def backup_key() -> str:
    key = getattr(settings, "BACKUP_KEY", None)
    if not key or len(key) < 16:
        raise BackupError("BACKUP_KEY (or BACKUP_KEY_FILE) must hold a key of at least 16 characters; "
                          "scripts/make-secrets.sh creates one. / 未配置备份密钥（BACKUP_KEY）。")
    return key


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sign(manifest_bytes: bytes, key: str) -> str:
    return hmac.new(hashlib.sha256(b"dx-portal-backup-manifest:" + key.encode()).digest(), manifest_bytes,
                    hashlib.sha256).hexdigest()


def _require_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (scripts/install-system-packages.sh installs it).")
    return found


def _gpg(args: list[str], *, key: str, stdin, stdout, home: str) -> subprocess.Popen:
    """gpg reading the passphrase from a pipe: never on a command line or on disk."""
    read_end, write_end = os.pipe()
    os.write(write_end, key.encode())
    os.close(write_end)
    try:
        return subprocess.Popen(
            [_require_tool("gpg"), "--batch", "--quiet", "--homedir", home, "--pinentry-mode", "loopback",
             "--passphrase-fd", str(read_end), *args],
            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, pass_fds=(read_end,))
    finally:
        os.close(read_end)


def _pg_env(params: dict) -> dict[str, str]:
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def _wait(processes: list[subprocess.Popen], what: str) -> None:
    failures = []
    for process in processes:
        _, stderr = process.communicate()
        if process.returncode != 0:
            failures.append(f"{Path(process.args[0]).name}: {(stderr or b'').decode(errors='replace').strip()[-500:]}")
    if failures:
        raise BackupError(f"{what} failed: " + "; ".join(failures))


def _table_inventory(cursor) -> dict[str, dict]:
    """Row count and an order-independent checksum of every table in the public schema."""
    for statement in _SESSION:
        cursor.execute(statement)
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    inventory = {}
    for table in tables:
        cursor.execute(sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "
            "FROM {} AS t").format(sql.Identifier(table)))
        rows, checksum = cursor.fetchone()
        inventory[table] = {"rows": rows, "md5": checksum}
    return inventory


def _media_inventory(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(path.relative_to(root)): _sha256_file(path)
            for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink()}


def _default_params() -> dict:
    params = connection.settings_dict
    if params["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("backup and restore need PostgreSQL (DATABASE_URL=postgres://…); the SQLite demo "
                          "database is a single file, copy it instead.")
    return params


# --- backup --------------------------------------------------------------------------------------


def backup(*, directory: Path | None = None, keep: int | None = None) -> BackupResult:
    """Write one encrypted, self-checking backup folder under ``directory`` (BACKUP_DIR)."""
    started = time.monotonic()
    key = backup_key()
    params = _default_params()
    pg_dump = _require_tool("pg_dump")
    tar = _require_tool("tar")
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{PREFIX}{stamp}"
    partial = directory / f".partial-{stamp}"
    partial.mkdir(mode=0o700)
    media_root = Path(settings.MEDIA_ROOT)
    try:
        with tempfile.TemporaryDirectory(prefix="dx-gpg-") as home:
            # One snapshot for the dump and the checksums: what the manifest states is what the dump holds.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
                with (partial / DUMP).open("wb") as out:
                    dump = subprocess.Popen(
                        [pg_dump, "--format=custom", "--no-owner", "--no-acl", f"--snapshot={snapshot}",
                         "--dbname", params["NAME"]],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_pg_env(params))
                    gpg = _gpg(["--symmetric", "--cipher-algo", "AES256", "--compress-algo", "none", "--output", "-"],
                               key=key, stdin=dump.stdout, stdout=out, home=home)
                    dump.stdout.close()
                    _wait([dump, gpg], "pg_dump")
                tables = _table_inventory(cursor)
                cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
                migrations = [row[0] for row in cursor.fetchall()]
            files = _media_inventory(media_root)
            with (partial / MEDIA).open("wb") as out:
                media_root.mkdir(parents=True, exist_ok=True)
                archive = subprocess.Popen([tar, "--create", "--file", "-", "--directory", str(media_root), "."],
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                gpg = _gpg(["--symmetric", "--cipher-algo", "AES256", "--output", "-"],
                           key=key, stdin=archive.stdout, stdout=out, home=home)
                archive.stdout.close()
                _wait([archive, gpg], "tar of the media store")
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": {"name": params["NAME"], "server_version": server_version, "tables": tables,
                         "migrations": migrations},
            "media": {"files": files, "count": len(files)},
            "artefacts": {DUMP: _sha256_file(partial / DUMP), MEDIA: _sha256_file(partial / MEDIA)},
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        (partial / MANIFEST).write_bytes(manifest_bytes)
        (partial / SIGNATURE).write_text(_sign(manifest_bytes, key) + "\n")
        partial.rename(target)  # a folder named backup-* is always complete
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if keep:
        prune(directory, keep=keep)
    return BackupResult(path=target, tables=len(tables), rows=sum(t["rows"] for t in tables.values()),
                        files=len(files), seconds=time.monotonic() - started)


def backups_in(directory: Path) -> list[Path]:
    return sorted(path for path in Path(directory).glob(f"{PREFIX}*") if path.is_dir())


def prune(directory: Path, *, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` complete backups (and partial ones left by a crash)."""
    removed = backups_in(directory)[:-keep] if keep > 0 else []
    removed += [path for path in Path(directory).glob(".partial-*") if path.is_dir()]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


# --- restore -------------------------------------------------------------------------------------


def read_manifest(path: Path, *, key: str) -> dict:
    """The manifest of the backup at ``path`` once its HMAC and both archives' digests check out."""
    try:
        manifest_bytes = (path / MANIFEST).read_bytes()
        signature = (path / SIGNATURE).read_text().strip()
    except OSError as exc:
        raise BackupError(f"{path} is not a complete backup: {exc}") from None
    if not hmac.compare_digest(signature, _sign(manifest_bytes, key)):
        raise BackupError("the manifest's signature does not match this key: wrong BACKUP_KEY, or the "
                          "backup was altered.")
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["artefacts"].items():
        if not (path / name).is_file() or _sha256_file(path / name) != expected:
            raise BackupError(f"{name} is missing or altered (its SHA-256 differs from the manifest)")
    return manifest


def _connect(params: dict, dbname: str):
    return psycopg2.connect(dbname=dbname, host=params.get("HOST") or None, port=params.get("PORT") or None,
                            user=params.get("USER") or None, password=params.get("PASSWORD") or None)


def _prepare_database(params: dict, name: str) -> None:
    """Create ``name`` when it does not exist; refuse one that already holds tables."""
    admin = _connect(params, "postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                return
    finally:
        admin.close()
    target = _connect(params, name)
    try:
        with target.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            if cursor.fetchone()[0]:
                raise BackupError(f"database {name} already holds tables: restore only into a new, empty "
                                  "database (then switch DATABASE_URL to it).")
    finally:
        target.close()


def restore(path: Path, *, database: str, media_root: Path, params: dict | None = None,
            check_migrations: bool = True) -> RestoreResult:
    """Restore the backup at ``path`` into the new database ``database`` (on the server of
    ``params``, default the configured one) and the empty folder ``media_root``, then prove it."""
    started = time.monotonic()
    key = backup_key()
    params = dict(params or _default_params())
    path, media_root = Path(path), Path(media_root)
    manifest = read_manifest(path, key=key)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty: restore the media store into a new folder.")
    _prepare_database(params, database)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dx-gpg-") as home:
        with (path / DUMP).open("rb") as source:
            gpg = _gpg(["--decrypt"], key=key, stdin=source, stdout=subprocess.PIPE, home=home)
            load = subprocess.Popen(
                [_require_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
                 "--dbname", database],
                stdin=gpg.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_pg_env(params))
            gpg.stdout.close()
            _wait([gpg, load], "pg_restore")
        with (path / MEDIA).open("rb") as source:
            gpg = _gpg(["--decrypt"], key=key, stdin=source, stdout=subprocess.PIPE, home=home)
            unpack = subprocess.Popen([_require_tool("tar"), "--extract", "--file", "-", "--no-same-owner",
                                       "--directory", str(media_root)],
                                      stdin=gpg.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            gpg.stdout.close()
            _wait([gpg, unpack], "unpacking the media store")
    verify(manifest, database=database, media_root=media_root, params=params)
    if check_migrations:
        _migrate_check(params, database)
    tables = manifest["database"]["tables"]
    return RestoreResult(database=database, media_root=media_root, tables=len(tables),
                         rows=sum(t["rows"] for t in tables.values()), files=manifest["media"]["count"],
                         seconds=time.monotonic() - started)


def verify(manifest: dict, *, database: str, media_root: Path, params: dict) -> None:
    """Every table's rows and every file's bytes in the restored copy equal the manifest's."""
    target = _connect(params, database)
    try:
        with target.cursor() as cursor:
            restored = _table_inventory(cursor)
    finally:
        target.close()
    expected = manifest["database"]["tables"]
    differing = sorted(name for name in expected.keys() | restored.keys() if expected.get(name) != restored.get(name))
    if differing:
        raise BackupError("restored tables differ from the backup: " + ", ".join(differing[:20]))
    files = _media_inventory(media_root)
    differing = sorted(name for name in manifest["media"]["files"].keys() | files.keys()
                       if manifest["media"]["files"].get(name) != files.get(name))
    if differing:
        raise BackupError("restored files differ from the backup: " + ", ".join(differing[:20]))


def _migrate_check(params: dict, database: str) -> None:
    """``manage.py migrate --check`` against the restored database: the code and the data agree."""
    env = dict(os.environ)
    password = params.get("PASSWORD") or ""
    auth = params.get("USER") or ""
    env["DATABASE_URL"] = f"postgres://{auth}@{params.get('HOST') or 'localhost'}:{params.get('PORT') or 5432}/{database}"
    if password:
        env["DATABASE_PASSWORD"] = password
        env.pop("DATABASE_PASSWORD_FILE", None)
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--check", "--noinput"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise BackupError("migrate --check on the restored database failed: " + (result.stdout + result.stderr)[-800:])
