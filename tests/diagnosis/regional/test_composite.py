"""The CCID-style composite where it applies (GB/T 23020 only): a versioned, provisional parameter set,
computed from the dimension averages a column shows, and said to be provisional on the page."""

from decimal import Decimal

import pytest

from diagnosis.scoring.regional import CCID_SURVEY_COMPOSITE, ccid_composite, survey_composite
from tests.diagnosis.regional.conftest import SPEC_KEY, YEAR
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

RATES = {"infrastructure": Decimal("80"), "single-application": Decimal("60"), "integration": Decimal("50"),
         "synergy": Decimal("40"), "competitiveness": Decimal("70"), "benefit": Decimal("90")}


def test_the_composite_weights_the_three_categories_25_50_25():
    result = survey_composite(RATES)
    # 工业应用 = (25·60 + 15·50 + 10·40) / 50 = 53.0; 应用效益 = (70 + 90) / 2 = 80.0
    assert result.sub_indices == (Decimal("80.0"), Decimal("53.0"), Decimal("80.0"))
    assert result.composite == ccid_composite("80.0", "53.0", "80.0", places=Decimal("0.1")) == Decimal("66.5")


def test_a_missing_or_withheld_dimension_withholds_its_category_and_the_composite():
    result = survey_composite({**RATES, "synergy": None})
    assert result.sub_indices[1] is None and result.composite is None
    assert result.sub_indices[0] == Decimal("80.0")


def test_the_parameter_set_is_versioned_provisional_and_for_gbt23020_only():
    assert CCID_SURVEY_COMPOSITE.version and CCID_SURVEY_COMPOSITE.provenance == "P"
    assert CCID_SURVEY_COMPOSITE.spec_codes == frozenset({"gbt23020-2013"})
    assert sum(c.weight.weight for c in CCID_SURVEY_COMPOSITE.categories) == 1


@pytest.mark.django_db
def test_the_dashboard_shows_it_as_provisional_for_gbt23020_only(login, district_staff):
    for i in range(5):
        firm = EnterpriseFactory(region=region("440309"), industry_division="39")
        scored_assessment(firm, spec_key=SPEC_KEY, year=YEAR, best=i % 2 == 0)
    client = login(district_staff)
    response = client.get(f"/regional/?year={YEAR}")
    blocks = {b["table"].key: b["table"] for b in response.context["blocks"]}
    composite = blocks["composite"]
    assert CCID_SURVEY_COMPOSITE.version in composite.title and "暂定" in composite.title
    assert isinstance(composite.rows[-1][1], Decimal)  # Longhua, own jurisdiction
    html = response.content.decode()
    assert 'id="composite-note"' in html and "不是赛迪发布的两化融合发展指数" in html
    assert client.get(f"/regional/export/composite/?year={YEAR}").status_code == 200
    sme = client.get(f"/regional/?year={YEAR}&spec=sme-2024@1.0")
    assert "composite" not in {b["table"].key for b in sme.context["blocks"]}
    assert 'id="composite-note"' not in sme.content.decode()
