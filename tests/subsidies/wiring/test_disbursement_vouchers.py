"""Disbursement batches leave applications with a voucher out: the voucher is paid through its own
flow (use → verify → pay), so batching it too would pay the same money twice."""

from decimal import Decimal

import pytest

from portal.exceptions import Invalid
from subsidies.disbursement import services as pay
from subsidies.models import DisbursementBatch
from tests.factories.subsidies import application_in, programme_version
from tests.subsidies.wiring.test_decision_vouchers import _decide, _voucher_app

pytestmark = pytest.mark.django_db


def test_batches_leave_voucher_applications_out(enterprise, owner, district_staff):
    version, app = _voucher_app(enterprise, owner)
    _decide(app, district_staff)
    with pytest.raises(Invalid) as refused:
        pay.batch_create(version=version, actor=district_staff)
    assert refused.value.code == "nothing_to_pay"
    assert not DisbursementBatch.objects.exists()
    # Chosen explicitly, still left out.
    with pytest.raises(Invalid):
        pay.batch_create(version=version, actor=district_staff, applications=[app])


def test_batches_still_pay_applications_without_a_voucher(enterprise, owner, district_staff):
    version = programme_version()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    _decide(app, district_staff)
    batch = pay.batch_create(version=version, actor=district_staff)
    assert [p.application_id for p in batch.payments.all()] == [app.pk]
    assert batch.total == Decimal("20000.00")
