"""Provider-registry benchmarks at 10 k published providers and 100 k industrial apps (issue #9).

``registry`` — seeds 10,000 verified providers (seed_demo's generator) with published profiles
through the projection (``providers.demo.seed_profiles``, ten apps per provider on average: about
100 k apps) and the demo pools, then measures:

- the ecosystem analysis (``providers.ecosystem.selectors.ecosystem``) for city staff (the widest
  scope: every provider of Shenzhen), in process, median of several runs, in ms; goal < 500 ms.
  Baseline: one raw SQL ``count(*)`` of the listings in the same scope, the floor of any query
  that touches them;
- the public directory's first page (``/registry/``), a filtered page (keyword and capability
  area) and the provider portrait (``/registry/providers/<pk>/``, cycling over providers) against
  gunicorn, signed in, 20 concurrent clients (quick: 2), beside the bare signed-in view measured
  in the same run (bench/urls.py); goal: at least 0.35 of the bare view's rate.

Gunicorn, clients and the scenario driver are bench/pages.py's; every non-2xx answer or a page
without its marker is an error and fails the benchmark.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from itertools import count
from pathlib import Path

from bench import BenchError, Figure, Run
from bench.pages import Account, Client, collect_static, drive, gunicorn, server_environment

PROVIDERS = 11_800  # about 85 % are verified and publish: ~10 k published providers
MEAN_APPS = 10.0
ENTERPRISES = 2_000
CLIENTS = 20
WORKERS = 4
DURATION = 15.0
WARMUP = 2.0
ECOSYSTEM_RUNS = 7
PAGE_GOAL = 0.35
ECOSYSTEM_GOAL_MS = 500.0
PASSWORD = "Bench-Registry-2026-secret!"


def seed_registry(*, providers: int, mean_apps: float, enterprises: int) -> tuple[int, int, float]:
    """Providers, profiles and pools into the (fresh) database; returns (listings, apps, seconds)."""
    from portal.demo import seed_organisations
    from providers.demo import seed_pools, seed_profiles
    from providers.models import Listing, ListingApp

    started = time.perf_counter()
    seed_organisations(enterprises=enterprises, providers=providers, seed=2026)
    seed_profiles(seed=2026, mean_apps=mean_apps)
    seed_pools(seed=2026)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Listing.objects.count(), ListingApp.objects.count(), time.perf_counter() - started


def city_staff():
    from portal.models import Region, User

    user, _ = User.objects.get_or_create(username="bench-registry-city", defaults={
        "staff_role": "city_staff", "region": Region.objects.get(code="440300")})
    return user


def measure_ecosystem(*, runs: int) -> list[Figure]:
    from django.db import connection
    from django.utils import timezone

    from providers.ecosystem.selectors import ecosystem

    user = city_staff()
    path = user.region.path
    today = timezone.localdate()
    data = ecosystem(user, today=today)  # warm caches and connections, and check the result
    if data.providers == 0 or not any(a.providers for a in data.areas):
        raise BenchError("the ecosystem analysis found no providers in the city: seeding went wrong")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        ecosystem(user, today=today)
        timings.append((time.perf_counter() - started) * 1000)
    floor = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM providers_listing WHERE region_path LIKE %s", [path + "%"])
            cursor.fetchone()
            floor.append((time.perf_counter() - started) * 1000)
    value, baseline = statistics.median(timings), statistics.median(floor)
    verdict = "PASS" if value < ECOSYSTEM_GOAL_MS else "MISS"
    return [Figure(name="ecosystem analysis (city scope)", value=value, unit="ms", baseline=baseline,
                   baseline_name="raw SQL count of the listings", higher_is_better=False,
                   note=f"{verdict} goal < {ECOSYSTEM_GOAL_MS:.0f} ms; {data.providers:,} providers, "
                        f"{data.apps:,} apps in scope; median of {runs}")]


def create_accounts(n: int) -> list[Account]:
    """Signed-in visitors: provider members without any special rights (the directory is public)."""
    from django.contrib.auth.hashers import make_password

    from portal.models import User

    password = make_password(PASSWORD)
    users = User.objects.bulk_create([User(username=f"registry-visitor-{i}-{time.time_ns()}", password=password)
                                      for i in range(n)])
    return [Account(user.username, 0) for user in users]


class Visitor(Client):
    """bench.pages' client, signing in with this benchmark's password and landing on the directory."""

    def sign_in(self) -> None:
        from bench.pages import _CSRF_FIELD

        status, page = self.request("GET", "/accounts/login/")
        token = _CSRF_FIELD.search(page)
        if status != 200 or token is None:
            raise BenchError(f"login page: HTTP {status}")
        status, _ = self.request("POST", "/accounts/login/", {
            "username": self.account.username, "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1).decode(), "next": ""})
        if status != 302 or "dxportal_session" not in self.cookies:
            raise BenchError(f"signing in {self.account.username}: HTTP {status}, no session")


def _get(path_of, marker: bytes):
    def step(client: Client) -> str | None:
        status, body = client.request("GET", path_of(client))
        if status != 200:
            return f"HTTP {status}"
        return None if marker in body else "page without its content"

    return step


def bare_step(client: Client) -> str | None:
    status, body = client.request("GET", "/bench/bare/")
    return None if status == 200 and body == b"ok" else f"HTTP {status}"


def measure_pages(*, clients: int, duration: float, warmup: float, workers: int) -> list[Figure]:
    from urllib.parse import urlencode

    from providers.models import Listing

    accounts = create_accounts(clients)
    provider_ids = list(Listing.objects.order_by("?").values_list("provider_id", flat=True)[:500])
    if not provider_ids:
        raise BenchError("no published provider to show")
    turn = count()
    filtered = "/registry/?" + urlencode({"q": "科技", "area": "software"})

    workdir = Path(tempfile.mkdtemp(prefix="dxportal-bench-registry-"))
    try:
        env = server_environment(str(workdir / "static"))
        collect_static(env)
        with gunicorn(env, workers=workers, log=workdir / "gunicorn.log") as port:
            from bench.pages import _in_threads, _tail

            sessions = [Visitor(port, account) for account in accounts]
            _in_threads(Visitor.sign_in, sessions)
            scenarios = (
                ("bare view", bare_step),
                ("directory page", _get(lambda c: "/registry/", b'class="tags"')),
                ("directory filtered", _get(lambda c: filtered, b"<tbody>")),
                ("portrait page", _get(lambda c: f"/registry/providers/{provider_ids[next(turn) % len(provider_ids)]}/",
                                       b"capability-radar-data")),
            )
            outcomes = [drive(name, sessions, step, duration=duration, warmup=warmup) for name, step in scenarios]
            server_log = _tail(workdir / "gunicorn.log")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if any(outcome.errors for outcome in outcomes):
        report = "; ".join(f"{o.name}: {o.summary()}" for o in outcomes)
        raise BenchError(f"requests failed — {report}\ngunicorn log tail:\n{server_log}")
    bare, *pages = outcomes
    figures = [Figure(name="bare view GET (signed in)", value=bare.rate, unit="requests/s", note=bare.summary())]
    for outcome in pages:
        share = outcome.rate / bare.rate if bare.rate else 0.0
        verdict = "PASS" if share >= PAGE_GOAL else "MISS"
        figures += [
            Figure(name=f"{outcome.name} GET", value=outcome.rate, unit="requests/s", baseline=bare.rate,
                   baseline_name="bare view",
                   note=f"{share:.2f} of bare ({verdict} goal ≥ {PAGE_GOAL}); {outcome.summary()}"),
            Figure(name=f"{outcome.name} p95", value=outcome.percentile(95), unit="ms",
                   baseline=bare.percentile(95), baseline_name="bare view p95", higher_is_better=False),
        ]
    return figures


def run_registry(run: Run) -> list[Figure]:
    run.database()
    quick = run.quick
    listings, apps, seconds = seed_registry(providers=200 if quick else PROVIDERS, mean_apps=4 if quick else MEAN_APPS,
                                            enterprises=50 if quick else ENTERPRISES)
    figures = [Figure(name="setup: seeding the registry (not the figure)", value=seconds, unit="s",
                      higher_is_better=False, note=f"{listings:,} published providers, {apps:,} apps")]
    figures += measure_ecosystem(runs=2 if quick else ECOSYSTEM_RUNS)
    if quick:
        figures += measure_pages(clients=2, duration=1.0, warmup=0.3, workers=2)
    else:
        figures += measure_pages(clients=CLIENTS, duration=DURATION, warmup=WARMUP, workers=WORKERS)
    return figures


BENCHMARKS = {"registry": run_registry}
