"""Shared fixtures: personas (owner, teammate, outsider, staff of two districts, city staff,
expert, the three administrators), clients signed in as them, and the PostgreSQL-only gate."""

import os

import pytest
from django.db import connection
from django_otp.oath import totp

from tests.factories.portal import (
    PASSWORD,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
    UserFactory,
    confirmed_totp,
    region,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real row locks; on SQLite they are skipped with a visible
    reason, and under REQUIRE_SERVICES=1 (CI) that situation is an error instead."""
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        return
    needing = [item for item in items if item.get_closest_marker("postgres")]
    if not needing:
        return
    if REQUIRE_SERVICES:
        raise pytest.UsageError(
            f"REQUIRE_SERVICES=1 but the test database is {connection.vendor}: "
            f"{len(needing)} PostgreSQL-only tests cannot run. Set DATABASE_URL to PostgreSQL."
        )
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); run under CI with REQUIRE_SERVICES=1")
    for item in needing:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(f"NOTE: {len(skipped)} tests skipped (see reasons above).", yellow=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A reused test database may have been flushed by an interrupted transactional test: make
    sure the reference regions are there before the first test."""
    from portal.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """Transactional tests end with a flush that also empties the region tree the data migration
    loaded; put it back so the next test finds the same reference data."""
    if not _transactional(request):
        yield
        return
    from portal.services import regions_load

    with django_db_blocker.unblock():
        regions_load()
    yield
    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory()


@pytest.fixture
def owner(enterprise):
    return MembershipFactory(enterprise=enterprise, role="owner").user


@pytest.fixture
def teammate(enterprise):
    """A viewer of the same enterprise: may read, may not write."""
    return MembershipFactory(enterprise=enterprise, role="viewer").user


@pytest.fixture
def editor(enterprise):
    return MembershipFactory(enterprise=enterprise, role="editor").user


@pytest.fixture
def other_enterprise(db):
    return EnterpriseFactory(region=region("440306"))


@pytest.fixture
def outsider(other_enterprise):
    """Owner of another enterprise in another district."""
    return MembershipFactory(enterprise=other_enterprise, role="owner").user


@pytest.fixture
def provider_user(db):
    return MembershipFactory(provider=ProviderFactory(), enterprise=None, role="owner").user


@pytest.fixture
def district_staff(db):
    return StaffFactory(staff_role="district_staff", region=region("440309"))


@pytest.fixture
def other_district_staff(db):
    return StaffFactory(staff_role="district_staff", region=region("440306"))


@pytest.fixture
def city_staff(db):
    return StaffFactory(staff_role="city_staff", region=region("440300"))


@pytest.fixture
def other_city_staff(db):
    return StaffFactory(staff_role="city_staff", region=region("441900"))


@pytest.fixture
def expert(db):
    return StaffFactory(staff_role="expert", region=None)


@pytest.fixture
def system_admin(db):
    return StaffFactory(staff_role="system_admin", region=None, is_staff=True)


@pytest.fixture
def security_admin(db):
    return StaffFactory(staff_role="security_admin", region=None, is_staff=True)


@pytest.fixture
def audit_admin(db):
    return StaffFactory(staff_role="audit_admin", region=None)


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def login(client):
    """Sign a user in through the real login form (axes and signals included); staff also pass
    the real TOTP step. Returns the client."""

    def _login(user, *, password=PASSWORD, verify_otp=True):
        client.logout()  # the login view keeps a signed-in user signed in: start clean
        response = client.post("/accounts/login/", {"username": user.username, "password": password})
        assert response.status_code == 302, response.content[:500]
        if verify_otp and user.staff_role:
            device = user.totpdevice_set.filter(confirmed=True).first() or confirmed_totp(user)
            response = client.post("/accounts/otp/", {"otp_token": current_code(device)})
            assert response.status_code == 302, response.content[:500]
        return client

    return _login


# A port nothing listens on: a publish is refused within a second (kombu retries briefly, then
# raises kombu.exceptions.OperationalError), as when the Redis container is down.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


class Broker:
    """Switches this process's Celery app between a broker that is down and eager mode (no broker,
    the default in tests), dropping kombu's pooled connections at each switch."""

    def __init__(self, app):
        self.app = app
        self.saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def _reset_pools(self):
        from kombu import pools

        pools.reset()
        self.app._pool = None
        self.app.amqp._producer_pool = None

    def down(self):
        self._reset_pools()
        self.app.conf.broker_url, self.app.conf.task_always_eager = UNREACHABLE_BROKER, False

    def restore(self):
        self._reset_pools()
        self.app.conf.update(self.saved)


@pytest.fixture
def broker():
    """``broker.down()`` makes every publish fail as with a dead Redis; restored after the test."""
    from portal.celery import app

    switch = Broker(app)
    yield switch
    switch.restore()


__all__ = ["PASSWORD", "UserFactory"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the registry's cached pages (providers/cache.py) of
    one test's rolled-back data must not answer the next test's requests."""
    from django.core.cache import cache

    from portal.fragments import clear_local

    cache.clear()
    clear_local()
    yield
    cache.clear()
    clear_local()
