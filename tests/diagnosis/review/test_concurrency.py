"""Race safety on PostgreSQL (docs/security.md R32): many reviewers act on one assessment at the same
moment, each thread on its own database connection. The row lock plus the status and
review_version checks let exactly one through; everyone else gets a conflict and changes nothing.

Transactional tests flush every table, including the regions only the data migration loads, so
they are put back before each test and after the module."""


import pytest

from diagnosis.models import Assessment
from diagnosis.review import services as services_review
from portal.models import AuditEvent, User
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, StaffFactory, region

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


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
    outcomes = race([_approve(assessment, user) for user in reviewers])
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"]
    approved = Assessment.objects.get(pk=assessment.pk)
    assert approved.status == "approved" and approved.review_version == 1
    assert AuditEvent.objects.filter(action="assessment.approve").count() == 1
    assert AuditEvent.objects.filter(action="assessment.review_refused").count() == THREADS - 1


def test_approve_and_return_race_has_one_winner(assessment, reviewers):
    actions = [(_approve if n % 2 else _return)(assessment, user) for n, user in enumerate(reviewers)]
    outcomes = race(actions)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"]
    final = Assessment.objects.get(pk=assessment.pk)
    decisions = AuditEvent.objects.filter(action__in=["assessment.approve", "assessment.return"])
    assert decisions.count() == 1
    assert final.status == {"assessment.approve": "approved", "assessment.return": "returned"}[decisions.get().action]
    assert final.review_version == 1
