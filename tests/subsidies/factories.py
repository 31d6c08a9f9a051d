"""Builders for the subsidies tests: a programme from the seeds with a published version."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from subsidies.models import BudgetLine, Programme, ProgrammeVersion
from subsidies.seeds import seed
from tests.factories.portal import StaffFactory, region


def programme_from_seed(code: str, *, status: str = "published", creator=None, region_code: str | None = None,
                        **version_fields) -> Programme:
    spec = seed(code)
    creator = creator or StaffFactory(staff_role="city_staff", region=region("440300"))
    programme = Programme.objects.create(code=spec["code"], name=spec["name"], instrument=spec["instrument"],
                                         issuing_body=spec["issuing_body"],
                                         region=region(region_code or spec["region"]), created_by=creator)
    today = timezone.localdate()
    fields = {"document_number": spec["document_number"], "document_title": spec["document_title"],
              "effective_from": today - dt.timedelta(days=30), "effective_to": today + dt.timedelta(days=365),
              "applications_open": today - dt.timedelta(days=30), "applications_close": today + dt.timedelta(days=90),
              "params": spec["params"], "conditions": spec["conditions"],
              "budget_total": Decimal(spec["budget_total"])} | version_fields
    version = ProgrammeVersion.objects.create(programme=programme, number=1, status=status, created_by=creator,
                                              published_at=timezone.now() if status == "published" else None,
                                              **fields)
    BudgetLine.objects.create(version=version, allocated=version.budget_total)
    return programme
