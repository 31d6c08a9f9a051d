"""Report benchmarks: one diagnosis report end to end beside WeasyPrint alone, and report throughput
through two real Celery workers on Redis.

``report`` — a report of an SME assessment (sme-2024, with needs and an on-site visit: ~13 pages)
through the real services, in-process with Celery eager: ``report_request`` creates the row and, on commit, runs
the ``report_render`` task (claim, input hash, context, template, WeasyPrint, atomic write,
completion). Baseline: ``html_to_pdf`` alone on the same HTML (rendered once through the same
context and template). The ratio is what the service adds around WeasyPrint. Best of 3 (quick: 1);
the report rows and files are removed between passes so every pass renders.

``report throughput`` — N submitted assessments (100; quick: 4) seeded into the bench database,
two worker subprocesses (``celery -A portal worker -P prefork -c 1 -Q default,reports``, production
settings, Redis database 10, a temporary MEDIA_ROOT), N report requests enqueued the way the web
process does; wall time from the first enqueue until every row is ready → reports/minute, against
the WeasyPrint-alone rate of two processes. Peak RSS (VmHWM) of each worker's pool child and main
process, sampled from /proc. Checked: N ready rows, N distinct PDF files on disk matching their
stored SHA-256, one file per assessment, no row claimed twice; anything else is a BenchError.
The workers run in their own process groups and are always killed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from bench import BenchError, Figure, Run, exit_on_sigterm

ROOT = Path(__file__).resolve().parent.parent
SPEC = "sme-2024@1.0"  # with needs and a site visit its report runs to ~13 pages
SEED = 5151  # not rescore's or pages': their seeding users must not clash in one database
REDIS_URL = "redis://127.0.0.1:6379/10"
WORKERS = 2
REPEATS = 3
WORKER_START_TIMEOUT = 60.0
LANGUAGE = "zh-hans"


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or REDIS_URL


# --- data -------------------------------------------------------------------------------------


def _submitted(firm, spec_key: str, user, *, index: int = 0):
    """A submitted assessment with its frozen answers and result, as ``assessment_submit`` leaves it."""
    from django.utils import timezone

    from bench.scoring import answer_sets
    from diagnosis.models import Assessment
    from diagnosis.scoring import score
    from diagnosis.spec import get_spec

    spec = get_spec(spec_key)
    answers, _context = answer_sets(spec, 1, seed=SEED + index)[0]
    context = firm.assessment_context()
    result = score(spec, answers, context)
    return Assessment.objects.create(
        enterprise=firm, region_id=firm.region_id, spec_code=spec.code, spec_version=spec.version,
        status=Assessment.Status.SUBMITTED, year=2025, context=context, submitted_answers=answers,
        result=result.to_dict(), total=result.total, level=result.level.code if result.level else "",
        stage=result.stage.code if result.stage else "", provisional=result.provisional, created_by=user,
        submitted_at=timezone.now())


def _add_needs(assessment, user) -> None:
    """Needs and an on-site visit, as a reviewed assessment has: the report prints them."""
    from datetime import date

    from diagnosis.models import Need, SiteVisit

    for index, category in enumerate(("digital_management", "smart_manufacturing", "networked_collaboration")):
        Need.objects.create(assessment=assessment, category=category, description="上线 MES 系统，打通设备数据采集" * 3,
                            item_codes=[], urgency=1 + index, budget_wan="120.00", created_by=user)
    SiteVisit.objects.create(assessment=assessment, visit_date=date(2025, 3, 18), participants="张三、李四",
                             findings="车间设备联网率低，建议优先建设工业网络。" * 10, recorded_by=user)


def _seed(count: int, spec_key: str) -> tuple[list, object]:
    from portal.demo import seed_organisations
    from portal.models import Enterprise, User

    seed_organisations(enterprises=min(max(count, 1), 50), providers=0, seed=SEED)
    firms = list(Enterprise.objects.filter(region__isnull=False).order_by("pk"))
    if not firms:
        raise BenchError("seeding made no enterprise with a region")
    user, _created = User.objects.get_or_create(username=f"bench-reports-{SEED}")
    return [_submitted(firms[i % len(firms)], spec_key, user, index=i) for i in range(count)], user


@contextmanager
def _media_root():
    from django.test.utils import override_settings

    folder = Path(tempfile.mkdtemp(prefix="bench-reports-media-"))
    try:
        with override_settings(MEDIA_ROOT=folder):  # resets the default storage's location too
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _celery(*, eager: bool, broker_url: str | None = None):
    """This process's Celery app, eager or publishing to ``broker_url``; restored afterwards."""
    from kombu import pools

    from portal.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset():
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.task_always_eager = eager
    if broker_url:
        reset()
        app.conf.broker_url = broker_url
    try:
        yield app
    finally:
        if broker_url:
            reset()
        app.conf.update(saved)


# --- (a) one report, end to end vs WeasyPrint alone ---------------------------------------------


def _report_html(report) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    from diagnosis.report.context import build_report_context

    with translation.override(report.language):
        return render_to_string("diagnosis/report/pdf.html", build_report_context(
            report.assessment, language=report.language, verification_code=report.verification_code,
            issued_at=report.created_at))


def measure_single_report(assessment, user, *, repeats: int = REPEATS) -> list[Figure]:
    """Seconds per report through the services (eager task) against ``html_to_pdf`` alone."""
    from django.test.utils import override_settings

    from diagnosis.models import Report
    from diagnosis.report import pdf
    from diagnosis.report import services as services_report

    best_service, report = float("inf"), None
    # The render in the request, as it is timed here (the dev settings' default would hand it to the
    # background thread and return at once).
    with _media_root(), _celery(eager=True), override_settings(REPORTS_IN_BACKGROUND_THREAD=False):
        for _ in range(repeats):
            for old in Report.objects.filter(assessment=assessment):
                old.pdf.delete(save=False)
                old.delete()
            started = time.perf_counter()
            report = services_report.report_request(assessment=assessment, requested_by=user, language=LANGUAGE)
            best_service = min(best_service, time.perf_counter() - started)
            report.refresh_from_db()
            if report.status != Report.Status.READY:
                raise BenchError(f"report {report.pk} is {report.status}, not ready: {report.error}")
        html = _report_html(report)
        best_weasy = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            content = pdf.html_to_pdf(html, base_url=pdf.asset_root())
            best_weasy = min(best_weasy, time.perf_counter() - started)
        pages = pdf.pdf_page_count(content)
        if pages != report.pages:
            raise BenchError(f"WeasyPrint alone made {pages} pages, the service {report.pages}")
    note = f"{assessment.spec_key}, {pages} pages, {len(content) // 1024} KiB, best of {repeats}"
    return [Figure(name="report end to end (eager task)", value=best_service, unit="s/report",
                   baseline=best_weasy, baseline_name="html_to_pdf alone", higher_is_better=False, note=note)]


# --- (b) throughput through two real workers ----------------------------------------------------


def _require_redis(url: str) -> None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            return
    except OSError as exc:
        raise BenchError(f"the report throughput benchmark needs Redis at {url} ({exc})") from None


def _worker_env(broker: str, media: Path) -> dict[str, str]:
    from bench.db import bench_database_url

    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",  # production settings, like a deployment
        "DATABASE_URL": bench_database_url(),
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
    })
    env.setdefault("SECRET_KEY", "bench-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    return env


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _WorkerPool:
    def __init__(self, count: int, broker: str, media: Path, logs: Path):
        self.names = [f"bench-reports-{index}@{socket.gethostname()}" for index in range(count)]
        self.env = _worker_env(broker, media)
        self.logs = logs
        self.processes: list[subprocess.Popen] = []
        self.peak_child = [0] * count  # KiB
        self.peak_main = [0] * count

    def start(self) -> None:
        exit_on_sigterm()
        for name in self.names:
            log = (self.logs / f"{name.split('@')[0]}.log").open("ab")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "prefork", "-c", "1",
                 "-Q", "default,reports", "-l", "warning", "-n", name, "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            log.close()

    def wait_ready(self, app) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while True:
            self.check_alive()
            replies = app.control.ping(destination=self.names, timeout=1.0) or []
            if {name for reply in replies for name in reply} >= set(self.names):
                return
            if time.monotonic() > deadline:
                raise BenchError(f"workers not ready within {WORKER_START_TIMEOUT:.0f} s\n{self.output()}")

    def check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise BenchError(f"a worker exited with {process.returncode}\n{self.output()}")

    def sample(self) -> None:
        for index, process in enumerate(self.processes):
            self.peak_main[index] = max(self.peak_main[index], _hwm_kib(process.pid))
            for child in _children(process.pid):
                self.peak_child[index] = max(self.peak_child[index], _hwm_kib(child))

    def stop(self) -> None:
        for process in self.processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.logs.glob("*.log")))


def _verify(assessments, media: Path) -> int:
    """BenchError unless every assessment has exactly one ready row and one intact PDF. Returns
    how many claims were made beyond the first (a redelivered or duplicated task)."""
    from diagnosis.models import Report

    rows = list(Report.objects.filter(assessment__in=assessments))
    ready = [row for row in rows if row.status == Report.Status.READY]
    files = sorted(path for path in (media / "reports").rglob("*") if path.is_file()) \
        if (media / "reports").exists() else []
    names = {row.pdf.name for row in ready}
    problems = []
    if len(rows) != len(assessments) or len(ready) != len(assessments):
        problems.append(f"{len(ready)} ready of {len(rows)} rows for {len(assessments)} assessments")
    if len(names) != len(ready):
        problems.append(f"{len(ready)} ready rows share {len(names)} file names")
    if len(files) != len(assessments):
        problems.append(f"{len(files)} files on disk for {len(assessments)} reports")
    if len({path.parent for path in files}) != len(files):
        problems.append("an assessment has more than one PDF file")
    for row in ready:
        path = media / row.pdf.name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != row.sha256:
            problems.append(f"report {row.pk}: file missing or not matching its SHA-256")
            break
    if problems:
        raise BenchError("; ".join(problems))
    return sum(row.attempts - 1 for row in rows)


def measure_throughput(assessments, user, *, weasy_seconds: float, workers: int = WORKERS,
                       broker: str | None = None) -> list[Figure]:
    import redis

    from diagnosis.models import Report
    from diagnosis.report import services as services_report

    broker = broker or redis_url()
    _require_redis(broker)
    client = redis.Redis.from_url(broker)
    client.flushdb()
    count = len(assessments)
    logs = Path(tempfile.mkdtemp(prefix="bench-reports-logs-"))
    try:
        with _media_root() as media, _celery(eager=False, broker_url=broker) as app:
            pool = _WorkerPool(workers, broker, media, logs)
            try:
                pool.start()
                pool.wait_ready(app)
                started = time.perf_counter()
                for assessment in assessments:
                    services_report.report_request(assessment=assessment, requested_by=user, language=LANGUAGE)
                while True:
                    pool.sample()
                    done = Report.objects.filter(assessment__in=assessments,
                                                 status__in=(Report.Status.READY, Report.Status.FAILED)).count()
                    if done == count:
                        break
                    pool.check_alive()
                    if time.perf_counter() - started > 60 + 30 * count:
                        raise BenchError(f"only {done} of {count} reports done\n{pool.output()}")
                    time.sleep(0.1)
                elapsed = time.perf_counter() - started
                pool.sample()
            finally:
                pool.stop()
            extra_claims = _verify(assessments, media)
    finally:
        client.flushdb()
        client.close()
        shutil.rmtree(logs, ignore_errors=True)

    rate = count / elapsed * 60
    ideal = workers * 60 / weasy_seconds
    mib = 1024
    figures = [Figure(name=f"reports through {workers} workers", value=rate, unit="reports/min",
                      baseline=ideal, baseline_name=f"{workers} × html_to_pdf alone",
                      note=f"{count} reports in {elapsed:.1f} s; {count} ready, {count} files, "
                           f"0 duplicates, {extra_claims} extra claims")]
    for index in range(workers):
        figures.append(Figure(name=f"peak RSS worker {index + 1} pool child", value=pool.peak_child[index] / mib,
                              unit="MiB", higher_is_better=False,
                              note=f"main process {pool.peak_main[index] / mib:.0f} MiB (VmHWM)"))
    return figures


# --- entry point ------------------------------------------------------------------------------


def run_reports(run: Run) -> list[Figure]:
    run.database()
    from diagnosis.models import Report

    count = 4 if run.quick else 100
    repeats = 1 if run.quick else REPEATS
    seeded, user = _seed(count + 1, SPEC)
    single, assessments = seeded[0], seeded[1:]
    _add_needs(single, user)
    figures = measure_single_report(single, user, repeats=repeats)
    figures += measure_throughput(assessments, user, weasy_seconds=figures[0].baseline)
    pages = sorted(set(Report.objects.filter(assessment__in=assessments).values_list("pages", flat=True)))
    figures[1] = replace(figures[1], note=f"{figures[1].note}; pages {pages}")
    return figures


BENCHMARKS = {"reports": run_reports}
