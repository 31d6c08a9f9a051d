"""Race safety on PostgreSQL (docs/security.md R32): many reviewers act on one assessment at the same
moment, each thread on its own database connection. The row lock plus the status and
review_version checks let exactly one through; everyone else gets a conflict and changes nothing.

Transactional tests flush every table, including the regions only the data migration loads, so
they are put back before each test and after the module."""

import importlib
import threading

import pytest
from django.db import connection

from diagnosis.models import Assessment
from diagnosis.review import services as services_review
from portal.exceptions import DomainError
from portal.models import AuditEvent, Region, User
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, StaffFactory, region

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def _load_regions() -> None:
    from django.apps import apps

    importlib.import_module("portal.migrations.0002_regions_and_audit_protection").load_regions(apps, None)


@pytest.fixture(autouse=True)
def _regions(transactional_db):
    if not Region.objects.exists():
        _load_regions()


@pytest.fixture(scope="module", autouse=True)
def _leave_regions(django_db_setup, django_db_blocker):
    """With --reuse-db the next run's non-transactional tests look regions up in this database."""
    yield
    with django_db_blocker.unblock():
        if not Region.objects.exists():
            _load_regions()


def _race(actions) -> list[str]:
    """Run the callables at once, one thread each; returns "ok" or the DomainError code per call."""
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
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def assessment():
    return scored_assessment(EnterpriseFactory(region=region("440309")))


@pytest.fixture
def reviewers():
    return [StaffFactory(staff_role="district_staff", region=region("440309")) for _n in range(THREADS)]


def _approve(assessment, user):
    # Fresh rows per thread: nothing is shared between the connections but the database.
    return lambda: services_review.assessment_approve(
        assessment=Assessment.objects.get(pk=assessment.pk), actor=User.objects.get(pk=user.pk),
        expected_version=0)


def _return(assessment, user):
    return lambda: services_review.assessment_return(
        assessment=Assessment.objects.get(pk=assessment.pk), actor=User.objects.get(pk=user.pk),
        comment="请修改", expected_version=0)


def test_concurrent_approvals_approve_exactly_once(assessment, reviewers):
    outcomes = _race([_approve(assessment, user) for user in reviewers])
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"]
    approved = Assessment.objects.get(pk=assessment.pk)
    assert approved.status == "approved" and approved.review_version == 1
    assert AuditEvent.objects.filter(action="assessment.approve").count() == 1
    assert AuditEvent.objects.filter(action="assessment.review_refused").count() == THREADS - 1


def test_approve_and_return_race_has_one_winner(assessment, reviewers):
    actions = [(_approve if n % 2 else _return)(assessment, user) for n, user in enumerate(reviewers)]
    outcomes = _race(actions)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"]
    final = Assessment.objects.get(pk=assessment.pk)
    decisions = AuditEvent.objects.filter(action__in=["assessment.approve", "assessment.return"])
    assert decisions.count() == 1
    assert final.status == {"assessment.approve": "approved", "assessment.return": "returned"}[decisions.get().action]
    assert final.review_version == 1
