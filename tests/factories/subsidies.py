"""Subsidy programmes, versions, budget lines and applications in any state."""

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone

from portal.models import Region
from subsidies.models import Application, BudgetLine, Programme, ProgrammeVersion
from tests.factories.portal import StaffFactory, region


def programme_version(*, created_by=None, region_code="440300", instrument="post_hoc_reward",
                      rate="0.20", cap="500000", budget="1000000", district_budget=None,
                      district_code="440309", opens=None, closes=None, status="published", params=None):
    created_by = created_by or StaffFactory(staff_role="city_staff", region=region("440300"))
    today = timezone.localdate()
    programme = Programme.objects.create(code=f"p-{uuid.uuid4().hex[:10]}", name="数字化转型事后奖补",
                                         instrument=instrument, issuing_body="深圳市工业和信息化局",
                                         region=region(region_code), created_by=created_by)
    version = ProgrammeVersion.objects.create(
        programme=programme, number=1, status=status, document_number="深工信〔2026〕1号",
        document_title="数字化转型事后奖补实施细则", effective_from=today - dt.timedelta(days=60),
        effective_to=today + dt.timedelta(days=300),
        applications_open=opens or today - dt.timedelta(days=30),
        applications_close=closes or today + dt.timedelta(days=30),
        params=params if params is not None else {"rate": {"value": rate, "source": "test", "confidence": "V"},
                                                  "cap": {"value": cap, "source": "test", "confidence": "V"}},
        budget_total=Decimal(budget), created_by=created_by)
    BudgetLine.objects.create(version=version, region=None, allocated=Decimal(budget))
    if district_budget is not None:
        BudgetLine.objects.create(version=version, region=region(district_code), allocated=Decimal(district_budget))
    return version


def application_in(version, status="draft", *, enterprise, filed_by, investment="100000", verified=None,
                   **extra) -> Application:
    today = timezone.localdate()
    values = {"project_title": "MES 上线", "declared_investment": Decimal(investment), "status": status,
              "declarations": {"truthful": True, "no_double_funding": True, "not_filed_by_provider": True}}
    if status not in ("draft",):
        values["submitted_at"] = timezone.now()
    if status in ("audited", "in_notice", "decided", "disbursed", "evaluated") and verified is None:
        verified = investment
    if verified is not None:
        values["verified_investment"] = Decimal(verified)
    if status == "in_notice":
        values.setdefault("notice_starts", today - dt.timedelta(days=10))
        values.setdefault("notice_ends", today - dt.timedelta(days=1))
    values.update(extra)
    application = Application.objects.create(version=version, enterprise=enterprise, filed_by=filed_by,
                                             region=Region.objects.get(pk=enterprise.region_id),
                                             reference=f"T-{uuid.uuid4().hex[:16]}", **values)
    return application
