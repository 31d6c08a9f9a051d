"""T0 → T1 comparison (pure) and the chart builders fed by it."""

from decimal import Decimal

import pytest

from diagnosis.results.charts import chart_dimensions, comparison_bar, figure_data, radar
from diagnosis.results.comparison import COMMON_CODES, REBASED, SAME_VERSION, compare_results
from diagnosis.scoring import score
from diagnosis.spec import get_spec, load_spec
from tests.diagnosis.answers import full_answers
from tests.diagnosis.results.test_roadmap import scored

FIXTURES = "tests/diagnosis/fixtures"
SME = get_spec("sme-2024@1.0")


def test_same_version_deltas_by_dimension_item_and_scenario():
    before, _ = scored(SME, network=["workshop-control"], **{"it-coverage": "one"})
    after, _ = scored(SME, network=["workshop-control", "industrial-5g"], **{"sc-energy": 3, "it-coverage": "none"})
    comparison = compare_results(before, after, basis=SAME_VERSION)
    assert comparison.total_change == Decimal(after["total"]) - Decimal(before["total"]) == Decimal("-0.50")
    assert comparison.totals_comparable
    assert [(d.code, d.change) for d in comparison.items[:1]] == [("network", Decimal("2"))]
    assert (comparison.items[-1].code, comparison.items[-1].change) == ("it-coverage", Decimal("-2.5"))
    unchanged = [d.code for d in comparison.items if d.change == 0]
    assert unchanged == sorted(unchanged)  # ties by code
    assert (comparison.scenarios[0].code, comparison.scenarios[0].change) == ("sc-energy", 3)
    assert [d.code for d in comparison.dimensions][:2] == ["foundation", "equipment-systems"]
    assert comparison.dimensions[1].depth == 1 and comparison.dimensions[1].change == Decimal("10.00")


def test_items_not_applicable_at_one_time_have_no_change_and_sort_last():
    before, _ = scored(SME, network=["none"])  # device-networking hidden at T0
    after, _ = scored(SME, network=["workshop-control"], **{"device-networking": {"numerator": 9, "denominator": 10}})
    networking = next(d for d in compare_results(before, after, basis=SAME_VERSION).items
                      if d.code == "device-networking")
    assert networking.before is None and networking.after == Decimal("6.00") and networking.change is None
    assert compare_results(before, after, basis=SAME_VERSION).items[-1].code == "device-networking"


def test_different_versions_compare_common_codes_only():
    old, new = load_spec(f"{FIXTURES}/tiny@1.0.toml"), load_spec(f"{FIXTURES}/tiny@2.0.toml")
    before = score(old, full_answers(old, best=False)).to_dict()
    after = score(new, full_answers(new)).to_dict()
    comparison = compare_results(before, after, basis=COMMON_CODES)
    assert not comparison.totals_comparable
    assert [s.code for s in comparison.scenarios] == ["s1"]
    assert comparison.only_before == ("q1", "q2", "s2") and comparison.only_after == ("policy",)
    assert compare_results(before, after, basis=REBASED).totals_comparable


def test_unknown_basis_is_refused():
    result, _ = scored(SME)
    with pytest.raises(ValueError, match="basis"):
        compare_results(result, result, basis="guess")


@pytest.mark.parametrize(("key", "codes"), [
    ("sme-2024@1.0", ["equipment-systems", "data-collection", "information-systems", "information-security",
                      "planning-management", "resources", "green", "quality", "market"]),
    ("gbt23020-2013@1.0", ["infrastructure", "single-application", "integration", "synergy", "competitiveness",
                           "benefit"]),
])
def test_charts_use_the_second_level_when_the_standard_nests(key, codes):
    result, _ = scored(get_spec(key))
    assert [d["code"] for d in chart_dimensions(result["dimensions"])] == codes


def test_figures_serialise_to_plain_json_data():
    data = figure_data(radar(["甲", "乙", "丙"], [Decimal("10"), Decimal("20.5"), Decimal("30")], name="x"))
    trace = data["data"][0]
    assert trace["type"] == "scatterpolar" and trace["r"] == [10.0, 20.5, 30.0, 10.0]  # closed outline
    assert trace["theta"] == ["甲", "乙", "丙", "甲"]
    bars = figure_data(comparison_bar(["甲"], [None], [Decimal("5")], before_name="T0", after_name="T1"))
    assert [t["name"] for t in bars["data"]] == ["T0", "T1"] and bars["layout"]["barmode"] == "group"
