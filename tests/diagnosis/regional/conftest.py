"""Counted GB/T 23020 assessments in three Shenzhen districts: 6 firms in Longhua (division 39),
6 in Nanshan (division 34), 3 in Bao'an (division 18, too few to show outside Bao'an)."""

from decimal import Decimal

import pytest

from diagnosis.models import Need
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

SPEC_KEY = "gbt23020-2013@1.0"
YEAR = 2026
BAOAN_TOTAL = Decimal("11.30")  # a figure that must never show outside Bao'an


def counted(enterprise, total, *, year=YEAR, **fields):
    return scored_assessment(enterprise, spec_key=SPEC_KEY, total=total, year=year, **fields)


@pytest.fixture
def districts(db):
    firms = {"longhua": [], "nanshan": [], "baoan": []}
    for i in range(6):
        firm = EnterpriseFactory(name=f"龙华测试{i}电子有限公司", region=region("440309"), industry_division="39")
        a = counted(firm, Decimal(60 + i))
        Need.objects.create(assessment=a, category="digital_management", created_by=a.created_by)
        firms["longhua"].append(firm)
    for i in range(6):
        firm = EnterpriseFactory(name=f"南山测试{i}机械有限公司", region=region("440305"), industry_division="34")
        counted(firm, Decimal(70))
        firms["nanshan"].append(firm)
    for i in range(3):
        firm = EnterpriseFactory(name=f"宝安测试{i}服饰有限公司", region=region("440306"), industry_section="C",
                                 industry_division="18")
        a = counted(firm, BAOAN_TOTAL)
        Need.objects.create(assessment=a, category="smart_manufacturing", created_by=a.created_by)
        firms["baoan"].append(firm)
    return firms


