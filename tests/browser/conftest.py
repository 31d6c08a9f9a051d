"""Browser tests: headless Chromium (Debian's /usr/bin/chromium, never a downloaded build) driven by
Playwright's sync API against pytest-django's ``live_server``.

Fixtures: ``browser`` (one Chromium per test module), ``page`` (a fresh context and tab per test,
guarded: the test fails on console errors, uncaught page errors, failed static/page responses or
any request to a non-local origin), ``open_tab`` (more tabs in the same context, equally guarded),
``reference_data`` (the regions the data migration loads, which transactional tests flush away).
"""

import importlib
import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from portal.models import Region

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
TIMEOUT_MS = 10_000  # generous for a loaded 2-core CI box; every wait is on a DOM state, never a sleep

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing_browser() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"needs Chromium at {CHROMIUM} (Debian package `chromium`; scripts/install-system-packages.sh)"
    try:
        importlib.import_module("playwright.sync_api")
    except ImportError:
        return "needs the `playwright` Python package (make dev-deps)"
    return None


def pytest_collection_modifyitems(config, items):
    """Like the PostgreSQL gate in tests/conftest.py: without Chromium, `browser` tests are skipped
    with a visible reason, and under REQUIRE_SERVICES=1 (CI) that situation is an error instead."""
    needing = [item for item in items if item.get_closest_marker("browser")]
    if not needing:
        return
    reason = _missing_browser()
    if reason is None:
        return
    if REQUIRE_SERVICES:
        raise pytest.UsageError(f"REQUIRE_SERVICES=1 but {len(needing)} browser tests cannot run: {reason}")
    skip = pytest.mark.skip(reason=f"{reason}; run under CI with REQUIRE_SERVICES=1")
    for item in needing:
        item.add_marker(skip)


# --- reference data --------------------------------------------------------------------------------

def _load_regions() -> None:
    """The regions of the data migration, loaded by the migration's own function (idempotent)."""
    from django.apps import apps

    migration = importlib.import_module("portal.migrations.0002_regions_and_audit_protection")
    migration.load_regions(apps, None)


@pytest.fixture
def reference_data(transactional_db):
    """``live_server`` needs ``transactional_db``, whose teardown flushes every table, including the
    regions that only the data migration loads: the first transactional test of a run finds them,
    every later one finds an empty table. Load them when missing."""
    if not Region.objects.exists():
        _load_regions()


@pytest.fixture(scope="module", autouse=True)
def _leave_reference_data(request, django_db_setup, django_db_blocker):
    """After the module's last flush, put the regions back: with ``--reuse-db`` the next run's
    non-transactional tests (factories look regions up) start from this database as it is left."""
    yield
    with django_db_blocker.unblock():
        if not Region.objects.exists():
            _load_regions()


# --- live server -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live_server(request):
    """pytest-django's live server, started while MEDIA_URL holds a URL on another host.

    The portal sets ``MEDIA_URL = None`` (uploads are only served through permission-checked
    views), but Django's LiveServerThread wraps the site in a media-file handler built from
    MEDIA_URL, and ``urlparse(None)`` yields bytes: every request then fails with a TypeError (500).
    A URL with a host makes that handler step aside for every path (it only serves a local
    MEDIA_URL), so uploads stay unserved here as in production. The handler reads the setting
    once, while the server starts."""
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    address = (request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
               or "localhost")
    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer(address)
    yield server
    server.stop()


# --- browser ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in this (the test) thread for as long as it
    # is started, so Django sees a running loop and raises SynchronousOnlyOperation on every ORM
    # call made here: factories, assertions on rows, and pytest-django's flush at teardown. Nothing
    # async ever touches the database connection in these tests (the loop only talks to Chromium;
    # the live server answers in its own threads), so the guard is a false alarm. It is lifted
    # only while Playwright runs, i.e. for this module, not for the rest of the test session.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageGuard:
    """Collects what must not happen in a page; ``allow(pattern)`` accepts a problem a test
    provokes on purpose (e.g. the 409 of an edit conflict)."""

    def __init__(self):
        self.problems: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]

    def watch(self, page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.add(f"console error: {msg.text}"))
        page.on("pageerror", lambda exc: self.add(f"uncaught page error: {exc}"))
        page.on("response", lambda response: response.status >= 400 and self.add(
            f"HTTP {response.status} {response.request.method} {response.url}"))
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # ERR_ABORTED: the page navigated away while the request ran (e.g. an evidence list that
        # htmx loads on reveal): normal. Foreign requests are reported where they are blocked.
        if request.failure != "net::ERR_ABORTED" and _is_local(request.url):
            self.add(f"request failed ({request.failure}): {request.method} {request.url}")


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


@pytest.fixture
def browser_context(browser, live_server, reference_data):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    guard = PageGuard()

    def block_foreign(route):
        guard.add(f"request to a non-local origin: {route.request.method} {route.request.url}")
        route.abort()

    # Nothing may leave the machine: the CSP forbids other origins, and this checks it holds.
    context.route(lambda url: not _is_local(url), block_foreign)
    context.on("page", guard.watch)
    yield context, guard
    context.close()
    problems = guard.unexpected()
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def page(browser_context):
    context, _guard = browser_context
    return context.new_page()


@pytest.fixture
def page_guard(browser_context):
    return browser_context[1]


@pytest.fixture
def open_tab(browser_context):
    """Another tab in the same browser context (same session cookie)."""
    context, _guard = browser_context
    return context.new_page

