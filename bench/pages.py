"""Page benchmark: the questionnaire page and its autosave at 20 concurrent clients against gunicorn
on PostgreSQL with 100 k assessments stored, beside a bare Django view measured in the same run.

Setup: the 100 k submitted assessments the ``rescore`` benchmark seeds are reused when the database
already holds them (same run), otherwise seeded with its ``seed_assessments``. One verified
enterprise gets one owner per client, each with a draft assessment of their own (all answers
given), so concurrent autosaves never touch the same row. Gunicorn (``-w 4`` sync workers, the
Dockerfile's flags; ``bench.settings``: production settings with DEBUG off, bench/urls.py) runs in
its own process group and is always terminated. Every client signs in through the real login
form, then each scenario runs for a fixed time with one thread per client, after a warm-up that is
not counted:

- bare view: ``GET /bench/bare/`` (bench/urls.py), signed in: middleware, session and user only;
- questionnaire page: ``GET /assessments/<id>/fill/`` (first step);
- autosave: ``POST /assessments/<id>/answer/`` as HTMX sends it (CSRF header), alternating the
  answer of one question and sending the version the client saved last, read from the response.

Any non-2xx answer, wrong page or version that did not advance is an error: counted, reported, and
a ``BenchError`` (a 409 means the bench sent a stale version). The load generator shares the
machine with gunicorn and PostgreSQL, so the ratio to the bare view is the figure to compare.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from bench import BenchError, Figure, Run, exit_on_sigterm

ROOT = Path(__file__).resolve().parent.parent
SEED = 4242  # not rescore's: its seeding user must not clash when both seed into one database
ASSESSMENTS = 100_000
ENTERPRISES = 300
CLIENTS = 20
WORKERS = 4
DURATION = 15.0
WARMUP = 2.0
PASSWORD = "Bench-Pages-2026-secret!"
SAVED_ITEM = "it-coverage"  # a choice in the first step, so the page shows what the autosave changes
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0

_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PGPASSFILE", "PGSSLMODE")
_VERSION = re.compile(rb'name="version" id="v-[^"]+" value="(\d+)"')
_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- data ---------------------------------------------------------------------------------------


def ensure_assessments(count: int, *, enterprises: int, pool: int) -> tuple[int, bool]:
    """At least ``count`` assessments in the database: reuse what is there (the ``rescore``
    benchmark's 100 k when it ran first), else seed the difference. Returns (rows, seeded now)."""
    from bench.scoring import seed_assessments
    from diagnosis.models import Assessment
    from portal.models import User

    existing = Assessment.objects.count()
    if existing >= count:
        return existing, False
    seed = SEED
    while User.objects.filter(username=f"bench-{seed}").exists():  # seed_assessments' own user
        seed += 1
    missing = count - existing
    seed_assessments(count=missing, enterprises=enterprises, pool=min(pool, missing), seed=seed)
    return Assessment.objects.count(), True


def _uscc() -> str:
    from portal.uscc import ALPHABET, check_character

    body = "91440309" + "".join(secrets.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


@dataclass
class Account:
    username: str
    assessment_pk: int


def create_accounts(count: int) -> list[Account]:
    """A verified enterprise with ``count`` owners, each with a fully answered draft of their own."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from diagnosis.fill.services import assessment_start
    from diagnosis.models import Answer
    from diagnosis.scoring import validate_answer
    from diagnosis.spec import get_spec
    from portal.models import Enterprise, Membership, OrgStatus, Region, User
    from tests.diagnosis.answers import full_answers

    tag = secrets.token_hex(3)
    enterprise = Enterprise.objects.create(
        name=f"压测{tag}精密制造有限公司", uscc=_uscc(), region=Region.objects.get(code="440309"),
        status=OrgStatus.VERIFIED, verified_at=timezone.now(), industry_section="C", industry_division="39",
        employees=240, revenue_band=Enterprise.RevenueBand.FROM_20M, cluster="electronics",
    )
    password = make_password(PASSWORD)  # one slow hash for all of them
    users = User.objects.bulk_create([User(username=f"pages-{tag}-{i}", password=password)
                                      for i in range(count)])
    Membership.objects.bulk_create([Membership(user=user, enterprise=enterprise, role="owner")
                                    for user in users])
    accounts, answers = [], []
    for user in users:
        assessment = assessment_start(enterprise=enterprise, actor=user)
        spec = get_spec(assessment.spec_key)
        answers += [Answer(assessment=assessment, item_code=code, value=validate_answer(spec, code, value),
                           updated_by=user) for code, value in full_answers(spec).items()]
        accounts.append(Account(user.username, assessment.pk))
    Answer.objects.bulk_create(answers)
    return accounts


def saved_item_values(spec_key: str) -> tuple[str, str]:
    from diagnosis.spec import get_spec

    options = get_spec(spec_key).items[SAVED_ITEM].options
    return options[0].code, options[-1].code


# --- gunicorn -----------------------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database Django is connected to (the bench database under ``python -m bench``)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise BenchError(f"the pages benchmark needs PostgreSQL, Django uses {db['ENGINE']}")
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}" if credentials \
        else f"postgres://{host}/{quote(db['NAME'], safe='')}"


BENCH_CACHE_URL = "redis://127.0.0.1:6379/15"


def bench_cache_url() -> str:
    """The Redis database the measured gunicorn caches in, as a deployment does (every worker sees
    one cache; deploy/production.env). Emptied first: the bench seeds in bulk, around the hooks
    that bump cache versions, so nothing cached by an earlier run may answer."""
    import redis

    url = os.environ.get("BENCH_CACHE_URL") or BENCH_CACHE_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.RedisError as exc:
        raise BenchError(f"the page benchmarks cache in Redis as a deployment does; {url} is not usable: {exc}") \
            from None
    return url


def server_environment(static_root: str) -> dict[str, str]:
    """A deployment's environment, built from scratch so that nothing of the developer's shell
    (DEBUG, SSL redirects, a broker URL) changes what is measured; the cache is Redis, as deployed."""
    env = {key: os.environ[key] for key in _PASSED_THROUGH if key in os.environ}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(),
        "CACHE_URL": bench_cache_url(),
        "SECRET_KEY": "bench-pages-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": HOST,
        "SECURE_COOKIES": "0",
        "DEMO_MODE": "0",
        "DEBUG": "0",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


def collect_static(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BenchError(f"collectstatic failed:\n{done.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-size:]
    except OSError:
        return ""


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log: Path) -> Iterator[int]:
    """Run gunicorn in its own process group until the block ends; yields its port. The whole
    group (master and workers) is terminated however the block is left."""
    port = _free_port()
    # The Dockerfile's flags except: the bind address, a short graceful stop, no access log, and no
    # --max-requests (at bench rates every worker would be recycled inside the timed window).
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--chdir", str(ROOT),
               "-w", str(workers), "-b", f"{HOST}:{port}", "--timeout", "60", "--graceful-timeout", "5",
               "--log-level", "warning", "--error-logfile", str(log)]
    if os.path.isdir("/dev/shm"):
        command += ["--worker-tmp-dir", "/dev/shm"]
    exit_on_sigterm()
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_until_serving(process, port, log)
        yield port
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s:\n{_tail(log)}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # Workers that outlived a killed master still belong to the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


# --- HTTP clients -------------------------------------------------------------------------------


class Client:
    """One browser's worth of state over ``http.client``: cookies by hand (no requests here)."""

    def __init__(self, port: int, account: Account):
        self.port, self.account = port, account
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.version = 0
        self.turn = 0

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        sent = {"Host": HOST, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=data, headers=sent)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # next request reconnects
            raise
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, content

    def sign_in(self) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = _CSRF_FIELD.search(page)
        if status != 200 or token is None:
            raise BenchError(f"login page: HTTP {status}")
        status, _ = self.request("POST", "/accounts/login/", {
            "username": self.account.username, "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1).decode(), "next": "",
        })
        if status != 302 or "dxportal_session" not in self.cookies:
            raise BenchError(f"signing in {self.account.username}: HTTP {status}, no session")
        status, page = self.request("GET", self.fill_path)
        if status != 200:
            raise BenchError(f"questionnaire page after sign-in: HTTP {status}")
        self.version = _question_version(page)

    @property
    def fill_path(self) -> str:
        return f"/assessments/{self.account.assessment_pk}/fill/"


def _question_version(page: bytes) -> int:
    start = page.find(f'id="q-{SAVED_ITEM}"'.encode())
    found = _VERSION.search(page, start) if start >= 0 else None
    if found is None:
        raise BenchError(f"question {SAVED_ITEM} (and its version) not found in the page")
    return int(found.group(1))


# --- scenarios ----------------------------------------------------------------------------------

Step = Callable[[Client], str | None]  # one request; returns an error description or None


def bare_step(client: Client) -> str | None:
    status, body = client.request("GET", "/bench/bare/")
    return None if status == 200 and body == b"ok" else f"HTTP {status}"


def page_step(client: Client) -> str | None:
    status, body = client.request("GET", client.fill_path)
    if status != 200:
        return f"HTTP {status}"
    return None if f'id="q-{SAVED_ITEM}"'.encode() in body else "page without the question"


def autosave_step(values: tuple[str, str]) -> Step:
    def step(client: Client) -> str | None:
        client.turn += 1
        status, body = client.request(
            "POST", f"/assessments/{client.account.assessment_pk}/answer/",
            {"item": SAVED_ITEM, "version": client.version, "value": values[client.turn % 2]},
            {"X-CSRFToken": client.cookies.get("csrftoken", ""), "HX-Request": "true",
             "HX-Current-URL": f"http://{HOST}:{client.port}{client.fill_path}"},
        )
        previous, found = client.version, _VERSION.search(body)
        if found:  # a 409 carries the current version too: resynchronise, count the error
            client.version = int(found.group(1))
        if status != 200:
            return f"HTTP {status}"
        if found is None or client.version != previous + 1 or b'class="saved"' not in body:
            return "answer not saved"
        return None

    return step


@dataclass
class Outcome:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, requests that succeeded
    errors: Counter = field(default_factory=Counter)
    window: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.window if self.window else 0.0

    def percentile(self, p: int) -> float:
        """The p-th percentile latency in milliseconds."""
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    def summary(self) -> str:
        errors = ", ".join(f"{what} ×{n}" for what, n in self.errors.most_common()) or "0"
        return (f"p50 {self.percentile(50):.1f} ms, {self.requests:,} requests in {self.window:.1f} s, "
                f"errors {errors}")


def drive_rounds(runs: list[tuple[str, Step]], clients: list[Client], *, duration: float, warmup: float,
                 rounds: int = 3) -> list[Outcome]:
    """``drive`` each (name, step) in turn, ``rounds`` times over with ``duration / rounds`` seconds
    each, and sum each one's rounds: a page and its baseline are measured side by side through the
    run, so a machine that slows down or speeds up midway (a shared host) weighs on both alike."""
    totals = [Outcome(name) for name, _ in runs]
    for round_number in range(rounds):
        for total, (name, step) in zip(totals, runs, strict=True):
            part = drive(name, clients, step, duration=duration / rounds, warmup=warmup if round_number == 0 else 0.5)
            total.latencies.extend(part.latencies)
            total.errors.update(part.errors)
            total.window += part.window
    return totals


def drive(name: str, clients: list[Client], step: Step, *, duration: float, warmup: float) -> Outcome:
    """Every client in its own thread, requests back to back: ``warmup`` seconds uncounted, then
    ``duration`` seconds counted (a request counts when it started inside the window)."""
    outcome = Outcome(name)
    lock = threading.Lock()
    clock: dict[str, float] = {}

    def start_clock():
        clock["counted_from"] = time.perf_counter() + warmup
        clock["until"] = clock["counted_from"] + duration

    barrier = threading.Barrier(len(clients), action=start_clock)
    finished: list[float] = []

    def work(client: Client) -> None:
        barrier.wait()
        latencies, errors, last = [], Counter(), 0.0
        while (started := time.perf_counter()) < clock["until"]:
            try:
                error = step(client)
            except Exception as exc:  # counted as an error of this request, never lost
                error = type(exc).__name__
            last = time.perf_counter()
            if started >= clock["counted_from"]:
                if error is None:
                    latencies.append(last - started)
                else:
                    errors[error] += 1
        with lock:
            outcome.latencies.extend(latencies)
            outcome.errors.update(errors)
            finished.append(last)

    threads = [threading.Thread(target=work, args=(client,), name=f"{name}-{i}")
               for i, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.window = max(finished) - clock["counted_from"]
    return outcome


def _in_threads(function: Callable[[Client], None], clients: list[Client]) -> None:
    failures: list[BaseException] = []

    def call(client):
        try:
            function(client)
        except BaseException as exc:  # reported below, in the calling thread
            failures.append(exc)

    threads = [threading.Thread(target=call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


# --- the benchmark ------------------------------------------------------------------------------


def measure_pages(*, clients: int, duration: float, warmup: float, assessments: int, enterprises: int,
                  workers: int = WORKERS, pool: int = 2000) -> list[Figure]:
    """Seed into the database Django is connected to, start gunicorn on it, measure the three
    scenarios. Raises BenchError when any request failed."""
    started = time.perf_counter()
    stored, seeded = ensure_assessments(assessments, enterprises=enterprises, pool=pool)
    accounts = create_accounts(clients)
    values = saved_item_values(_spec_key_of(accounts[0]))
    setup = time.perf_counter() - started

    workdir = Path(tempfile.mkdtemp(prefix="dxportal-bench-pages-"))
    try:
        env = server_environment(str(workdir / "static"))
        collect_static(env)
        with gunicorn(env, workers=workers, log=workdir / "gunicorn.log") as port:
            sessions = [Client(port, account) for account in accounts]
            _in_threads(Client.sign_in, sessions)
            scenarios = (("bare view", bare_step), ("questionnaire page", page_step),
                         ("autosave", autosave_step(values)))
            outcomes = [drive(name, sessions, step, duration=duration, warmup=warmup)
                        for name, step in scenarios]
            server_log = _tail(workdir / "gunicorn.log")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    if any(outcome.errors for outcome in outcomes):
        report = "; ".join(f"{o.name}: {o.summary()}" for o in outcomes)
        raise BenchError(f"requests failed — {report}\ngunicorn log tail:\n{server_log}")
    bare, page, save = outcomes
    where = (f"{clients} clients, {workers} gunicorn workers, {stored:,} assessments"
             f"{' (seeded now)' if seeded else ' (reused)'}")
    figures = [
        Figure(name="bare view GET (signed in)", value=bare.rate, unit="requests/s", note=bare.summary()),
        Figure(name="bare view p95", value=bare.percentile(95), unit="ms", higher_is_better=False,
               note=where),
    ]
    for outcome, label in ((page, "questionnaire page GET"), (save, "autosave POST")):
        figures += [
            Figure(name=label, value=outcome.rate, unit="requests/s", baseline=bare.rate,
                   baseline_name="bare view", note=outcome.summary()),
            Figure(name=f"{label} p95", value=outcome.percentile(95), unit="ms", baseline=bare.percentile(95),
                   baseline_name="bare view p95", higher_is_better=False),
        ]
    figures.append(Figure(name="setup: seeding and accounts (not the figure)", value=setup, unit="s",
                          higher_is_better=False,
                          note=f"{duration:g} s per scenario after {warmup:g} s warm-up"))
    return figures


def _spec_key_of(account: Account) -> str:
    from diagnosis.models import Assessment

    return Assessment.objects.get(pk=account.assessment_pk).spec_key


def run_pages(run: Run) -> list[Figure]:
    run.database()
    if run.quick:
        return measure_pages(clients=2, duration=1.0, warmup=0.3, assessments=200, enterprises=10, pool=20,
                             workers=2)
    return measure_pages(clients=CLIENTS, duration=DURATION, warmup=WARMUP, assessments=ASSESSMENTS,
                         enterprises=ENTERPRISES)


BENCHMARKS = {"pages": run_pages}
