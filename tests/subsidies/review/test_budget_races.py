"""Budget integrity on PostgreSQL: decisions reserve with one conditional UPDATE, so parallel
approvals of one application reserve once, and parallel decisions never reserve more than the
budget; paying a batch twice in parallel pays once."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum

from portal.exceptions import DomainError
from portal.models import User
from subsidies.disbursement import services as pay
from subsidies.models import Application, BudgetLine, DisbursementBatch
from subsidies.review import services as review
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import EnterpriseFactory, MembershipFactory, StaffFactory, region
from tests.factories.subsidies import application_in, programme_version

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race_pooled(actions, workers=25) -> list[str]:
    """``race`` for more actions than PostgreSQL has connections to spare: ``workers`` threads,
    released together, each running its share of the actions back to back on its own connection."""
    shares = [actions[i::workers] for i in range(workers)]
    outcomes: list[str] = []

    def chain(share):
        def run():
            for action in share:
                try:
                    action()
                    outcomes.append("ok")
                except DomainError as exc:
                    outcomes.append(exc.code)
        return run

    assert race([chain(share) for share in shares]) == ["ok"] * workers
    return outcomes


def _setup(budget, district_budget=None):
    staff = StaffFactory(staff_role="district_staff", region=region("440309"))
    version = programme_version(budget=budget, district_budget=district_budget)
    enterprise = EnterpriseFactory()
    owner = MembershipFactory(enterprise=enterprise).user
    return staff, version, enterprise, owner


def _decide(app_pk, staff_pk):
    def run():
        app = Application.objects.get(pk=app_pk)
        review.decide(application=app, actor=User.objects.get(pk=staff_pk), expected_version=app.state_version)
    return run


def test_fifty_parallel_approvals_of_one_application_reserve_once():
    staff, version, enterprise, owner = _setup("1000000")
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    outcomes = race([_decide(app.pk, staff.pk) for _n in range(50)])
    counts = Counter(outcomes)
    assert counts["ok"] == 1, counts
    assert set(counts) <= {"ok", "stale", "wrong_status"}, counts
    assert BudgetLine.objects.get(version=version).reserved == Decimal("20000.00")


@pytest.mark.parametrize("district", [False, True])
def test_two_hundred_parallel_decisions_never_exceed_the_budget(district):
    # 100 × ¥20 000 fit; 200 applications race for them.
    budget = "2000000"
    staff, version, enterprise, owner = _setup("5000000" if district else budget,
                                               district_budget=budget if district else None)
    apps = [application_in(version, "in_notice", enterprise=enterprise, filed_by=owner) for _n in range(200)]
    outcomes = race_pooled([_decide(a.pk, staff.pk) for a in apps])
    counts = Counter(outcomes)
    assert counts == {"ok": 100, "over_budget": 100}, counts
    lines = BudgetLine.objects.filter(version=version)
    for line in lines:
        assert line.reserved == Decimal(budget) <= line.allocated
    decided = Application.objects.filter(version=version, status="decided")
    assert decided.count() == 100
    assert decided.aggregate(s=Sum("decided_amount"))["s"] == Decimal(budget)
    assert not Application.objects.filter(version=version, status="in_notice", decided_amount__isnull=False).exists()


def test_parallel_payment_of_a_batch_pays_once():
    staff, version, enterprise, owner = _setup("1000000")
    for _n in range(3):
        app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
        review.decide(application=app, actor=staff, expected_version=app.state_version)
    batch = pay.batch_create(version=version, actor=staff)

    def pay_once():
        pay.batch_pay(batch=DisbursementBatch.objects.get(pk=batch.pk), actor=User.objects.get(pk=staff.pk))

    outcomes = race([pay_once for _n in range(10)])
    assert outcomes == ["ok"] * 10
    line = BudgetLine.objects.get(version=version)
    assert line.disbursed == Decimal("60000.00") == line.reserved
    assert Application.objects.filter(version=version, status="disbursed").count() == 3
