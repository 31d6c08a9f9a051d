"""Smoke test of `python -m bench reports --quick`: one report end to end beside WeasyPrint alone,
then four reports through two real Celery workers on Redis (a fresh bench database, the workers
started and killed by the benchmark). Checks that it runs and that its correctness checks held
(every report ready, one PDF each, no duplicates); speed is never asserted here."""

import os
from urllib.parse import urlsplit

import pytest

from tests.test_bench_pages import bench_database_url, run_bench  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

# Not the full run's Redis database 10: a smoke test running beside `make bench` must not flush it.
REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture
def redis_url():
    import socket

    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            pass
    except OSError as exc:
        message = f"needs Redis at {parts.hostname}:{parts.port} ({exc})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but this test cannot run: {message}")
        pytest.skip(f"{message}; run under CI with REQUIRE_SERVICES=1")
    return REDIS_URL


def test_reports_bench_runs_in_quick_mode(bench_database_url, redis_url):  # noqa: F811
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")}
    env.update({"BENCH_DATABASE_URL": bench_database_url, "BENCH_REDIS_URL": redis_url})
    done = run_bench("reports", env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "FAILED" not in output
    lines = output.splitlines()

    def line(figure):
        return next((text for text in lines if text.strip().startswith(figure)), "")

    assert "s/report" in line("report end to end"), output
    assert "reports/min" in line("reports through 2 workers"), output
    assert "4 ready, 4 files, 0 duplicates" in line("reports through 2 workers"), output
    for worker in (1, 2):
        assert "MiB" in line(f"peak RSS worker {worker}"), output
