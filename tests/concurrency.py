"""Helpers for the PostgreSQL race tests: start several actions at the same instant, each on its own
connection, and collect how each one ended; and keep the reference regions in place around
transactional tests (their flush empties the table the data migration fills).

A race test module imports the fixtures by name so pytest finds them there:
    from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401
"""

import importlib
import threading

import pytest
from django.db import connection

from portal.exceptions import DomainError


def _load_regions() -> None:
    from django.apps import apps

    importlib.import_module("portal.migrations.0002_regions_and_audit_protection").load_regions(apps, None)


@pytest.fixture(autouse=True)
def restore_regions(transactional_db):
    from portal.models import Region

    if not Region.objects.exists():
        _load_regions()


@pytest.fixture(scope="module", autouse=True)
def leave_regions(django_db_setup, django_db_blocker):
    yield
    from portal.models import Region

    with django_db_blocker.unblock():
        if not Region.objects.exists():
            _load_regions()


def race(actions) -> list[str]:
    """Run every action in its own thread, released together by a barrier. Each outcome is "ok",
    the DomainError's code, or the repr of any other exception (reported, not lost in a thread)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion instead of lost in the thread
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
