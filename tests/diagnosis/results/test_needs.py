"""New-mode categories: every question of every shipped spec maps to one (or is documented as
unmapped), weak answers suggest needs, and the demand map counts stated needs by category."""

import pytest

from diagnosis.models import Assessment, Need, NewMode
from diagnosis.results.needs import (
    CATEGORIES,
    CATEGORY_CODES,
    TABLES,
    category_of,
    spec_categories,
    suggest_needs,
    unmapped_codes,
    weak_codes,
)
from diagnosis.results.selectors import needs_by_category
from diagnosis.scoring import score, validate_answer, visible_items
from diagnosis.spec import get_spec, load_all_specs
from tests.diagnosis.answers import full_answers
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

SPECS = sorted(load_all_specs())
SME = get_spec("sme-2024@1.0")
CMMM = get_spec("gbt39116-2020@1.0")


def result_of(spec, *, context=None, best=False, **overrides):
    raw = {**full_answers(spec, best=best), **overrides}
    shown = set(visible_items(spec, raw, context))
    return score(spec, {c: validate_answer(spec, c, v) for c, v in raw.items() if c in shown}, context).to_dict()


def test_categories_are_the_six_new_modes_of_the_model():
    assert tuple(NewMode.values) == CATEGORY_CODES
    assert [c.title for c in CATEGORIES] == ["数字化管理", "智能化制造", "网络化协同", "个性化定制", "服务化延伸",
                                             "平台化设计"]


@pytest.mark.parametrize("key", SPECS)
def test_every_question_of_every_shipped_spec_has_a_category_or_a_documented_reason(key):
    spec = get_spec(key)
    assert spec.code in TABLES
    assert unmapped_codes(spec) == ()
    categories = spec_categories(spec)
    assert list(categories) == list(spec.items)
    assert {c for c in categories.values() if c is not None} <= set(CATEGORY_CODES)
    # What is left unmapped on purpose is listed with a reason, and scores nothing.
    for code, reason in TABLES[spec.code].unmapped.items():
        assert categories[code] is None and reason and not spec.items[code].scored


@pytest.mark.parametrize("key", SPECS)
def test_tables_name_only_codes_the_spec_has(key):
    spec = get_spec(key)
    table = TABLES[spec.code]
    assert set(table.items) <= set(spec.items)
    assert set(table.dimensions) <= set(spec.dimension_index)
    assert set(table.unmapped) <= set(spec.items)


def test_sme_2024_maps_every_item_and_scenario_explicitly():
    assert set(TABLES["sme-2024"].items) == set(SME.items)


@pytest.mark.parametrize(("key", "code", "category"), [
    ("sme-2024@1.0", "sc-energy", "smart_manufacturing"),
    ("sme-2024@1.0", "sc-procurement", "networked_collaboration"),
    ("sme-2024@1.0", "sc-marketing", "personalised_customisation"),
    ("sme-2024@1.0", "sc-after-sales", "service_extension"),
    ("sme-2024@1.0", "sc-product-design", "platform_design"),
    ("sme-2024@1.0", "it-coverage", "digital_management"),
    ("gbt39116-2020@1.0", "product-service.3.1", "service_extension"),  # inherited from its sub-domain
    ("gbt23020-2013@1.0", "e-commerce", "networked_collaboration"),  # inherited from 协同与创新
    ("gbt23020-2013@1.0", "rd-tool-penetration", "platform_design"),  # own entry beats the dimension
    ("gbt39116-2020@1.0", "product-design-applicable", None),  # screening question
    ("sme-2024@1.0", "no-such-code", None),
])
def test_category_of(key, code, category):
    assert category_of(get_spec(key), code) == category


def test_weak_codes_are_answers_below_sixty_percent():
    worst = result_of(SME)
    assert "network" in weak_codes(SME, worst) and "sc-energy" in weak_codes(SME, worst)
    assert "device-networking" not in weak_codes(SME, worst)  # hidden (no network): not answerable
    assert weak_codes(SME, result_of(SME, best=True)) == ()
    levels = result_of(SME, **{"sc-energy": 2, "sc-quality": 3, "it-coverage": "over-80"})
    weak = weak_codes(SME, levels)
    assert "sc-energy" in weak and "sc-quality" not in weak  # 2/4 < 60 % ≤ 3/4
    assert "it-coverage" not in weak  # 7.5 of 10


def test_maturity_requirements_are_weak_only_up_to_the_counted_levels():
    answers = {code: ("full" if item.level == 1 else "none") for code, item in CMMM.items.items()
               if item.kind == "requirement"}
    result = result_of(CMMM, context={"production_type": "discrete"}, **answers)
    levels = {CMMM.items[code].level for code in weak_codes(CMMM, result)}
    assert levels == {2}  # level 1 is met, level 2 stopped the sum, 3–5 are out of reach


def test_suggestions_group_weak_codes_by_category_in_canonical_order():
    suggestions = suggest_needs(SME, result_of(SME, **{"sc-procurement": 4}))
    assert [s.category.code for s in suggestions] == list(CATEGORY_CODES)
    by_code = {s.category.code: s.codes for s in suggestions}
    assert by_code["networked_collaboration"] == ("sc-warehousing",)
    assert by_code["service_extension"] == ("sc-after-sales",)
    assert by_code["smart_manufacturing"][:2] == ("network", "device-digitisation")  # questionnaire order


# --- demand map --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_needs_by_category_counts_stated_needs_in_a_region_and_year(owner):
    row = {"user": owner, "total": 50, "year": 2025}  # only counted: no scoring needed
    longhua, baoan = EnterpriseFactory(), EnterpriseFactory(region=region("440306"))
    dongguan = EnterpriseFactory(region=region("441900003"))
    counted = [scored_assessment(longhua, **row), scored_assessment(baoan, **row),
               scored_assessment(EnterpriseFactory(), **row, snapshot=False)]
    ignored = [scored_assessment(dongguan, **row), scored_assessment(longhua, **{**row, "year": 2024}),
               scored_assessment(longhua, **row, status=Assessment.Status.RETURNED)]
    for assessment in counted + ignored:
        Need.objects.create(assessment=assessment, category="smart_manufacturing", created_by=owner)
    Need.objects.create(assessment=counted[0], category="digital_management", created_by=owner)
    shenzhen = needs_by_category(region("440300").path, 2025)
    assert shenzhen == {**dict.fromkeys(NewMode.values, 0), "smart_manufacturing": 3, "digital_management": 1}
    assert needs_by_category(region("440306").path, 2025)["smart_manufacturing"] == 1
    assert sum(needs_by_category(region("430000").path, 2025).values()) == 0


def test_the_needs_pages_promise_nothing_that_is_not_built():
    """#13: the demand map and matching are not built yet, so no page may say needs feed them."""
    from pathlib import Path

    for name in ("needs.html", "result.html"):
        text = (Path(__file__).resolve().parents[3] / "templates/diagnosis/results" / name).read_text(encoding="utf-8")
        assert "demand map" not in text and "matching with service providers" not in text
