"""Kill a worker mid-report, still exactly one report (docs/security.md R34, R35; docs/architecture.md, Background jobs).

A real Celery worker (``-P prefork -c 1``, queues default and reports) runs as a subprocess
against this test's PostgreSQL database and a dedicated Redis database, with short limits:
soft 10 s < hard 15 s, report lease = hard + REPORT_LEASE_MARGIN_SECONDS (5 s) = 20 s, below the
visibility timeout of 30 s (the settings refuse anything else).

The worker is ``python -m tests.slow_worker``: its render step announces the child's PID and then
blocks while a flag file exists, so the test kills the worker at a known point — the row says
``running``, nothing is written yet — and releases the flag for the next attempt. The render step
returns a tiny valid PDF (not WeasyPrint) to keep the tests short.

How a killed job comes back, with this design:

1. child SIGKILL: ``reject_on_worker_lost`` requeues the message at once, the new delivery finds
   the dead child's lease still live (LEASE_HELD) and retries when that lease expires; then the
   claim takes the expired lease over (attempt 2) and renders. ≈ 20 s.
2. whole-worker SIGKILL: the message stays unacknowledged in Redis until the visibility timeout,
   a fresh worker gets it back; the lease has expired by then, so it claims and renders. ≈ 30 s.

3. whole-worker SIGKILL with the production visibility timeout (an hour): the job sweeper (run
   by beat in production, called here) finds the running row whose lease expired and queues it
   again; a fresh worker claims and renders it. ≈ 20 s instead of an hour (issue #13 Major 9).

All end with the row ready after exactly two claims and exactly one PDF file, whose SHA-256 is
the one stored on the row.
"""

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from diagnosis.models import Report
from diagnosis.report import services as services_report

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_BROKER = "redis://127.0.0.1:6379/9"
SOFT_LIMIT, HARD_LIMIT, LEASE_MARGIN, VISIBILITY = 10, 15, 5, 30
LEASE = HARD_LIMIT + LEASE_MARGIN  # what the worker computes (services_report.render_lease)
PRODUCTION_VISIBILITY = 3600  # Redis alone would give the dead worker's message back after an hour
WORKER_START = 30.0  # a cold worker on a loaded 2-core box: import Django, connect, fork
SLACK = 15.0


# --- services ---------------------------------------------------------------------------------


def _broker_url() -> str:
    return getattr(settings, "CELERY_BROKER_URL_FOR_TESTS", None) or DEFAULT_BROKER


@pytest.fixture
def broker_url():
    """The Redis database the worker and this process share, flushed before and after. Without a
    reachable Redis the test is skipped with the reason, or fails under REQUIRE_SERVICES=1."""
    url = _broker_url()
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            pass
    except OSError as exc:
        message = f"needs Redis at {parts.hostname}:{parts.port} ({exc})"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test cannot run: {message}")
        pytest.skip(f"{message}; run under CI with REQUIRE_SERVICES=1")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def celery_on_broker(broker_url):
    """This process publishes to the broker instead of running tasks eagerly; restored after."""
    from kombu import pools

    from portal.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools():
        # Connection and producer pools (kombu keeps them in a global registry) hold connections to
        # the broker they were built for: drop them all so the next publish builds them afresh.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.broker_url, app.conf.task_always_eager = broker_url, False
    yield app
    reset_pools()
    app.conf.update(saved)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return (f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/"
            f"{quote(db['NAME'], safe='')}")


# --- the worker -------------------------------------------------------------------------------


class Workers:
    """Worker subprocesses, each in its own process group; every one is killed at the end."""

    def __init__(self, broker_url: str, media_root: Path, gate: Path, logs: Path):
        self.broker_url, self.media_root, self.gate, self.logs = broker_url, media_root, gate, logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *, visibility: int = VISIBILITY) -> subprocess.Popen:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_VISIBILITY_TIMEOUT": str(visibility),
            "CELERY_TASK_TIME_LIMIT": str(HARD_LIMIT),
            "CELERY_TASK_SOFT_TIME_LIMIT": str(SOFT_LIMIT),
            "REPORT_LEASE_MARGIN_SECONDS": str(LEASE_MARGIN),
            "MEDIA_ROOT": str(self.media_root),
            "REPORT_GATE_DIR": str(self.gate),
            "PYTHONUNBUFFERED": "1",
        })
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.slow_worker", "-P", "prefork", "-c", "1", "-Q", "default,reports",
             "-l", "warning", "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.started.append(process)
        return process

    @staticmethod
    def kill_group(process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # start_new_session: group id == its pid
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.started:
            self.kill_group(process)

    def output(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
                         for path in sorted(self.logs.glob("*.log")))


@pytest.fixture
def workers(broker_url, settings, tmp_path):
    gate = tmp_path / "gate"
    gate.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    pool = Workers(broker_url, Path(settings.MEDIA_ROOT), gate, logs)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    try:
        yield pool
    finally:
        pool.stop_all()


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _wait(condition, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s\n{workers.output()}")
        time.sleep(0.2)


def _blocked_render(report: Report, worker: subprocess.Popen, workers: Workers) -> int:
    """Wait until the row says running and the worker's child sits in the blocked render step;
    returns the child's PID."""

    def rendering():
        report.refresh_from_db()
        markers = list(workers.gate.glob("rendering-*"))
        if report.status == Report.Status.RUNNING and markers:
            return int(markers[0].read_text())
        assert worker.poll() is None, f"the worker exited with {worker.returncode}\n{workers.output()}"
        return None

    child = _wait(rendering, WORKER_START, "the worker claiming the report", workers)
    assert child in _children(worker.pid), "the rendering process is not the worker's pool child"
    assert report.attempts == 1
    return child


def _assert_exactly_one_report(report: Report) -> None:
    report.refresh_from_db()
    assert report.status == Report.Status.READY, (report.status, report.error)
    assert report.attempts == 2
    folder = Path(settings.MEDIA_ROOT) / "reports" / str(report.assessment_id)
    files = sorted(path.name for path in folder.iterdir())
    assert files == [Path(report.pdf.name).name]  # no second PDF, no scratch file left behind
    content = (folder / files[0]).read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == report.sha256


def _request_blocked_report(assessment, user, workers: Workers) -> Report:
    (workers.gate / "block").touch()
    report = services_report.report_request(assessment=assessment, requested_by=user, language="zh-hans")
    assert report.status == Report.Status.PENDING
    return report


def _ready(report: Report):
    report.refresh_from_db()
    assert report.status != Report.Status.FAILED, report.error
    return report.status == Report.Status.READY


# --- the tests --------------------------------------------------------------------------------


def test_a_killed_pool_child_is_retried_once_the_lease_expires_and_leaves_one_pdf(
        assessment, owner, workers, celery_on_broker):
    worker = workers.start("child-kill")
    report = _request_blocked_report(assessment, owner, workers)
    child = _blocked_render(report, worker, workers)
    killed_at = time.monotonic()

    os.kill(child, signal.SIGKILL)
    for marker in workers.gate.glob("rendering-*"):
        marker.unlink()
    (workers.gate / "block").unlink()  # the next attempt renders
    # The main process survives and forks a new child; the requeued message waits out the lease.
    _wait(lambda: _children(worker.pid) - {child}, WORKER_START, "a new pool child", workers)
    _wait(lambda: _ready(report), LEASE + SLACK, "the report after the child was killed", workers)

    assert worker.poll() is None, "the worker's main process must survive its child's death"
    assert time.monotonic() - killed_at >= LEASE - 5, "taken over before the dead child's lease expired"
    _assert_exactly_one_report(report)


def test_a_killed_worker_is_replaced_and_the_report_is_made_once(assessment, owner, workers, celery_on_broker):
    first = workers.start("group-kill")
    report = _request_blocked_report(assessment, owner, workers)
    _blocked_render(report, first, workers)

    Workers.kill_group(first)  # main process and child at once: nobody acks or requeues
    killed_at = time.monotonic()
    for marker in workers.gate.glob("rendering-*"):
        marker.unlink()
    (workers.gate / "block").unlink()
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Report.Status.RUNNING, 1)

    second = workers.start("replacement")
    _wait(lambda: _ready(report), VISIBILITY + LEASE + SLACK, "the report after the worker was replaced", workers)

    assert second.poll() is None
    assert time.monotonic() - killed_at >= VISIBILITY - 5, "redelivered before the visibility timeout"
    _assert_exactly_one_report(report)


def test_a_killed_worker_is_recovered_by_the_sweeper_soon_after_its_lease(assessment, owner, workers,
                                                                          celery_on_broker, settings):
    # This process computes the lease as the workers do: the sweep looks at the same expiry.
    settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT = SOFT_LIMIT, HARD_LIMIT
    settings.REPORT_LEASE_MARGIN_SECONDS = LEASE_MARGIN
    assert services_report.render_lease().total_seconds() == LEASE
    first = workers.start("sweep-kill", visibility=PRODUCTION_VISIBILITY)
    report = _request_blocked_report(assessment, owner, workers)
    _blocked_render(report, first, workers)

    Workers.kill_group(first)  # main process and child at once: the message stays unacked for an hour
    killed_at = time.monotonic()
    for marker in workers.gate.glob("rendering-*"):
        marker.unlink()
    (workers.gate / "block").unlink()
    second = workers.start("sweep-replacement", visibility=PRODUCTION_VISIBILITY)
    assert services_report.report_sweep().requeued == ()  # the dead worker's lease is still live

    _wait(lambda: services_report.lease_expired(Report.objects.get(pk=report.pk)), LEASE + SLACK,
          "the dead worker's lease expiring", workers)
    assert services_report.report_sweep().requeued == (report.pk,)
    assert services_report.report_sweep().requeued == ()  # queued once, however often beat runs
    _wait(lambda: _ready(report), WORKER_START + SLACK, "the report after the sweep", workers)

    assert second.poll() is None
    assert time.monotonic() - killed_at < LEASE + WORKER_START + 2 * SLACK, "not recovered by the sweep"
    _assert_exactly_one_report(report)
