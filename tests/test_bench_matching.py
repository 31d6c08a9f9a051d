"""Smoke test of `python -m bench matching --quick`: the matching benchmark seeds a small supply with
bulk_create, ranks one enterprise warm and cold beside a plain scan, and drives the result page with
its matching panel through gunicorn without a failed request. Speed is never asserted here."""

import os

import pytest

from tests.test_bench_pages import bench_database_url, run_bench  # noqa: F401 — the fixture is used by name

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_matching_bench_runs_in_quick_mode(bench_database_url):  # noqa: F811
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["BENCH_DATABASE_URL"] = bench_database_url
    done = run_bench("matching", env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "FAILED" not in output
    assert "rank_for_enterprise, warm" in output and "plain SQL scan" in output
    for figure in ("bare view GET", "result page + matching panel GET", "matching panel alone GET"):
        line = next((line for line in output.splitlines() if line.strip().startswith(figure)), "")
        assert "requests/s" in line and "errors 0" in line, output
