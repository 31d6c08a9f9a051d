"""Builders for the subsidy integrity, voucher and project tests: a published programme version
(with its budget line) and an application put straight into a status."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from subsidies.models import Application, BudgetLine, Instrument, Programme, ProgrammeVersion
from tests.factories.portal import StaffFactory, region

_serial = itertools.count(1)


def published_version(*, instrument: str = Instrument.SERVICE_VOUCHER, region_code: str = "440300",
                      params: dict | None = None, budget: Decimal = Decimal("1000000.00"), **fields):
    n = next(_serial)
    author = StaffFactory(staff_role="city_staff", region=region("440300"))
    programme = Programme.objects.create(code=f"test-{instrument.replace('_', '-')}-{n}",
                                         name=f"测试项目{n}", instrument=instrument, issuing_body="深圳市工业和信息化局",
                                         region=region(region_code), created_by=author)
    today = timezone.localdate()
    values = {"number": 1, "status": ProgrammeVersion.Status.PUBLISHED, "document_number": f"深工信〔2026〕{n}号",
              "document_title": "测试政策", "effective_from": today - dt.timedelta(days=30),
              "effective_to": today + dt.timedelta(days=335), "applications_open": today - dt.timedelta(days=30),
              "applications_close": today + dt.timedelta(days=60),
              "params": params if params is not None else {
                  "share": {"value": "0.30", "source": "test", "confidence": "P"},
                  "cap": {"value": "100000.00", "source": "test", "confidence": "P"},
                  "one_per_enterprise": {"value": True, "source": "test", "confidence": "P"}},
              "budget_total": budget, "created_by": author, "published_at": timezone.now()}
    values.update(fields)
    version = ProgrammeVersion.objects.create(programme=programme, **values)
    BudgetLine.objects.create(version=version, allocated=budget)
    return version


def application(enterprise, *, version=None, status: str = Application.Status.DRAFT, provider=None, filed_by=None,
                **fields) -> Application:
    from tests.factories.portal import UserFactory

    version = version or published_version()
    n = next(_serial)
    values = {"reference": f"T{timezone.localdate():%Y}{n:06d}", "version": version, "enterprise": enterprise,
              "provider": provider, "region": enterprise.region, "status": status, "project_title": f"数字化改造项目{n}",
              "filed_by": filed_by or UserFactory(), "declared_investment": Decimal("500000.00")}
    values.update(fields)
    return Application.objects.create(**values)
