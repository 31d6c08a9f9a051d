"""A throw-away PostgreSQL database for benchmarks.

Only the database named by ``BENCH_DATABASE_URL`` (default ``dxportal_bench`` on 127.0.0.1) is
ever dropped, and only if its name contains "bench", so a mistyped URL cannot wipe real data.
"""

from __future__ import annotations

import os

import environ
import psycopg2
from psycopg2 import sql

from bench import BenchError

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dxportal_bench"
MAINTENANCE_DB = "postgres"


def bench_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def _config(url: str) -> dict:
    config = environ.Env.db_url_config(url)
    if "postgresql" not in config.get("ENGINE", ""):
        raise BenchError(f"the bench database must be PostgreSQL, got {url!r}")
    return config


def _connect(config: dict, dbname: str):
    params = {"host": config.get("HOST"), "port": config.get("PORT"), "user": config.get("USER"),
              "password": config.get("PASSWORD")}
    return psycopg2.connect(dbname=dbname, **{k: v for k, v in params.items() if v})


def recreate_database(url: str) -> str:
    """Drop and create the database named in ``url``; returns its name."""
    config = _config(url)
    name = config["NAME"]
    if "bench" not in name or name == MAINTENANCE_DB:
        raise BenchError(f"refusing to drop {name!r}: a bench database's name must contain 'bench'")
    connection = _connect(config, MAINTENANCE_DB)
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            # No WITH (FORCE): if someone is still connected (another bench run), fail loudly.
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()
    return name


def server_version(url: str) -> str:
    """The PostgreSQL server version behind ``url``, or why it could not be read."""
    try:
        connection = _connect(_config(url), MAINTENANCE_DB)
    except (psycopg2.Error, BenchError) as exc:
        return f"unavailable ({str(exc).strip().splitlines()[0]})"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def fresh_django_database() -> None:
    """Recreate the bench database and migrate it. Django must already point at it (see
    ``bench.__main__``); the name check makes sure it does before anything is dropped."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    url = bench_database_url()
    expected = _config(url)["NAME"]
    configured = settings.DATABASES["default"].get("NAME")
    if configured != expected:
        raise BenchError(f"Django uses database {configured!r}, not the bench database {expected!r}")
    connections.close_all()
    recreate_database(url)
    call_command("migrate", verbosity=0, interactive=False)
