"""The decision of a voucher programme's application issues its voucher (face value = the decided
amount, reserved once), never twice; other instruments issue none."""

from decimal import Decimal

import pytest

from portal.exceptions import Conflict, DomainError
from subsidies.models import Application, BudgetLine
from subsidies.review import services as review
from subsidies.vouchers.models import Voucher
from tests.factories.subsidies import application_in, programme_version
from tests.factories.subsidies_integrity import published_version

pytestmark = pytest.mark.django_db


# The rules' parameter shape (subsidies/rules.py), which the decision's amount is computed with.
RULE_PARAMS = {"share": {"value": "0.30", "source": "test", "confidence": "V"},
               "cap": {"value": "100000.00", "source": "test", "confidence": "V"},
               "per_enterprise": {"value": 1, "source": "test", "confidence": "V"}}


def _voucher_app(enterprise, owner, *, price="100000"):
    version = published_version(params=RULE_PARAMS)
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner, figures={"price": price})
    return version, app


def _decide(app, actor):
    return review.decide(application=app, actor=actor, expected_version=Application.objects.get(pk=app.pk).state_version)


def test_deciding_a_voucher_application_issues_one_voucher_reserved_once(enterprise, owner, district_staff):
    version, app = _voucher_app(enterprise, owner)
    decided = _decide(app, district_staff)
    assert decided.status == Application.Status.DECIDED and decided.decided_amount == Decimal("30000.00")
    voucher = Voucher.objects.get(application=app)
    assert voucher.face_value == decided.decided_amount and voucher.status == Voucher.Status.ISSUED
    assert voucher.enterprise == enterprise and voucher.budget_line_id == decided.budget_line_id
    line = BudgetLine.objects.get(pk=decided.budget_line_id)
    assert line.reserved == Decimal("30000.00")  # the decision's reservation, not twice


def test_a_stale_second_decision_issues_no_second_voucher(enterprise, owner, district_staff):
    _version, app = _voucher_app(enterprise, owner)
    stale_version = app.state_version
    _decide(app, district_staff)
    with pytest.raises(Conflict):
        review.decide(application=app, actor=district_staff, expected_version=stale_version)
    with pytest.raises(DomainError):  # already decided: no transition from here
        _decide(app, district_staff)
    assert Voucher.objects.filter(application=app).count() == 1
    assert BudgetLine.objects.get(version=app.version).reserved == Decimal("30000.00")


def test_a_post_hoc_reward_decision_issues_no_voucher(enterprise, owner, district_staff):
    version = programme_version()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    decided = _decide(app, district_staff)
    assert decided.status == Application.Status.DECIDED and decided.decided_amount == Decimal("20000.00")
    assert not Voucher.objects.exists()


def test_a_refused_voucher_undoes_the_decision(enterprise, owner, district_staff):
    """One voucher per enterprise: the second decision is refused and reserves nothing."""
    version, first = _voucher_app(enterprise, owner)
    _decide(first, district_staff)
    second = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner, figures={"price": "1000"})
    with pytest.raises(Conflict) as refused:
        _decide(second, district_staff)
    assert refused.value.code == "one_per_enterprise"
    second = Application.objects.get(pk=second.pk)
    assert second.status == Application.Status.IN_NOTICE and second.decided_amount is None
    assert BudgetLine.objects.get(version=version).reserved == Decimal("30000.00")
    assert Voucher.objects.count() == 1
