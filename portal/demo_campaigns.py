"""Demo data for the campaigns (年度诊断工作, issue #12): Longhua's campaign of this year with target
enterprises in every stage (with the full demo, when demo_regional has assessed Longhua's firms): not invited, invited (a bureau-created record, not yet claimed),
registered, started (a draft), submitted and approved (the assessed firms of demo_regional).

Deterministic (fixed titles, USCCs and choices in USCC order) and idempotent: everything is found by
its natural key before it is created, so a re-run adds nothing. Runs after ``demo_regional`` (it picks
firms that one assessed). Site wiring like ``portal/demo.py``: it writes diagnosis rows, so it is named
in pyproject.toml's ``ignore_imports``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from diagnosis.models import Assessment, Campaign, CampaignTarget
from portal.models import Enterprise, Membership, OrgStatus, Region, User
from portal.roles import MemberRole
from portal.uscc import check_character

DISTRICT = "440309"
SPEC_CODE, SPEC_VERSION = "gbt23020-2013", "1.0"
TOWNS = ("观湖街道", "民治街道", "龙华街道", "大浪街道", "福城街道", "观澜街道")
# Stage → how many targets the demo shows in it.
PLAN = {"approved": 8, "submitted": 5, "started": 3, "registered": 3, "invited": 4, "new": 3}


def _uscc(index: int) -> str:
    # "CP" + six digits: bodies no other demo generator or test factory produces.
    body = f"CP{index:06d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(ch, 36) * w for ch, w in zip(body, weights, strict=True)) % 11
    first17 = f"91{DISTRICT}{body}{ {10: 'X', 11: '0'}.get(check, str(check))}"
    return first17 + check_character(first17)


def _user(username: str, name: str) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": name, "is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _bureau_record(index: int, district: Region) -> Enterprise:
    enterprise, _created = Enterprise.objects.get_or_create(uscc=_uscc(index), defaults={
        "name": f"深圳市龙华规上演示{index:02d}制造有限公司", "region": district, "status": OrgStatus.PENDING,
        "industry_section": "C", "industry_division": ("39", "38", "34", "35")[index % 4], "above_scale": True,
        "employees": 0, "revenue_band": Enterprise.RevenueBand.FROM_20M})
    return enterprise


@transaction.atomic
def seed_campaigns(*, year: int | None = None) -> int:
    """Longhua's campaign of ``year`` (this year) with targets in every stage; returns the targets created."""
    year = year or timezone.localdate().year
    district = Region.objects.filter(code=DISTRICT).first()
    # Only beside demo_regional's assessed firms (the full demo): a small seed has no approved stage to show.
    if district is None or not Assessment.objects.filter(
            year=year, spec_code=SPEC_CODE, status=Assessment.Status.APPROVED,
            enterprise__region__path__startswith=district.path).exists():
        return 0
    campaign, _created = Campaign.objects.get_or_create(
        region=district, year=year, title=f"龙华区{year}年度规上企业数字化转型诊断",
        defaults={"spec_codes": [SPEC_CODE], "deadline": dt.date(year, 12, 31), "quota_percent": 20,
                  "created_by": User.objects.filter(username="longhua").first()})
    in_district = Enterprise.objects.filter(region__path__startswith=district.path).order_by("uscc")
    this_year = Assessment.objects.filter(year=year, spec_code=SPEC_CODE)
    chosen: dict[str, list[Enterprise]] = {}
    for stage, status in (("approved", Assessment.Status.APPROVED), ("submitted", Assessment.Status.SUBMITTED)):
        chosen[stage] = list(in_district.filter(assessments__in=this_year.filter(status=status)).distinct()
                             [:PLAN[stage]])
    unassessed = list(in_district.exclude(assessments__year=year).filter(memberships__isnull=True)
                      .exclude(uscc__startswith=f"91{DISTRICT}CP")[:PLAN["started"] + PLAN["registered"]])
    chosen["started"], chosen["registered"] = unassessed[:PLAN["started"]], unassessed[PLAN["started"]:]
    chosen["invited"] = [_bureau_record(i, district) for i in range(PLAN["invited"])]
    chosen["new"] = [_bureau_record(i, district) for i in range(PLAN["invited"], PLAN["invited"] + PLAN["new"])]

    now, created = timezone.now(), 0
    for stage, firms in chosen.items():
        for index, firm in enumerate(firms):
            if stage in ("started", "registered") and not firm.memberships.exists():
                owner = _user(f"campaign-demo-{firm.uscc[-6:].lower()}", "诊断工作演示")
                Membership.objects.get_or_create(user=owner, enterprise=firm, defaults={"role": MemberRole.OWNER})
            if stage == "started" and not this_year.filter(enterprise=firm).exists():
                Assessment.objects.create(enterprise=firm, spec_code=SPEC_CODE, spec_version=SPEC_VERSION,
                                          year=year, status=Assessment.Status.DRAFT,
                                          created_by=firm.memberships.first().user,
                                          context=firm.assessment_context())
            _target, made = CampaignTarget.objects.get_or_create(campaign=campaign, enterprise=firm, defaults={
                "town": TOWNS[(index + len(stage)) % len(TOWNS)],
                "bureau_created": stage in ("invited", "new"),
                "contact_email": f"contact{index}@example.cn" if stage in ("invited", "new") else "",
                "invited_at": None if stage == "new" else now})
            created += made
    return created
