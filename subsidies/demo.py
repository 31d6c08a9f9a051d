"""Demo programmes from the seeds (subsidies/seeds.py), each with a published version and its
budget lines; called from portal/demo.py. Deterministic and idempotent: a programme that exists (by
code) is left as it is. Applications are seeded by the applications feature."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.models import Region
from subsidies.models import BudgetLine, Programme, ProgrammeVersion
from subsidies.seeds import PROGRAMMES


def seed_programmes(*, creator, today: dt.date | None = None) -> int:
    """Create the seed programmes that are missing; returns how many were created."""
    today = today or timezone.localdate()
    regions = {r.code: r for r in Region.objects.all()}
    created = 0
    for spec in PROGRAMMES:
        with transaction.atomic():
            if Programme.objects.filter(code=spec["code"]).exists():
                continue
            programme = Programme.objects.create(
                code=spec["code"], name=spec["name"], instrument=spec["instrument"],
                issuing_body=spec["issuing_body"], region=regions[spec["region"]], created_by=creator)
            version = ProgrammeVersion.objects.create(
                programme=programme, number=1, status=ProgrammeVersion.Status.PUBLISHED,
                document_number=spec["document_number"], document_title=spec["document_title"],
                effective_from=dt.date(today.year, 1, 1), effective_to=dt.date(today.year + 2, 12, 31),
                applications_open=dt.date(today.year, 1, 1), applications_close=dt.date(today.year, 12, 31),
                params=spec["params"], conditions=spec["conditions"], budget_total=Decimal(spec["budget_total"]),
                notes="演示数据：参数来源与可信度见各参数说明。", created_by=creator, published_at=timezone.now())
            BudgetLine.objects.create(version=version, region=None, allocated=version.budget_total)
            for code, amount in spec["districts"].items():
                BudgetLine.objects.create(version=version, region=regions[code], allocated=Decimal(amount))
            created += 1
    return created
