from decimal import Decimal

import pytest

from diagnosis.scoring import AnswerError, ContextError, cmmm_total, grade_for, score, visible_items
from diagnosis.scoring.engine import quantize
from diagnosis.spec import get_spec

SPEC = get_spec("gbt39116-2020@1.0")
DISCRETE = {"production_type": "discrete"}
PROCESS = {"production_type": "process"}
LEAVES = [
    "strategy", "skills", "data", "integration", "security", "equipment", "network",
    "product-design", "process-design", "procurement", "planning-scheduling", "production-operations",
    "equipment-management", "warehousing-distribution", "safety-environment", "energy-management",
    "logistics", "sales", "customer-service", "product-service",
]  # fmt: skip
REQUIREMENTS = {code: item for code, item in SPEC.items.items() if item.kind == "requirement"}


def answers(per_level=("full",) * 5, overrides=None, **screening):
    """Every requirement of level n answered ``per_level[n-1]``; ``overrides`` maps
    (sub-domain, level) to an answer for all requirements of that pair."""
    result = {}
    for code, item in REQUIREMENTS.items():
        result[code] = (overrides or {}).get((item.parent, item.level), per_level[item.level - 1])
    return result | screening


def level_scores(result):
    return [s.score for s in result.level_scores]


@pytest.mark.parametrize(
    ("scores", "total"),
    [
        (("1.0", "0.9", "0.55"), "2.45"),  # worked example of GB/T 39117 → 二级
        (("0.8", "0.8", "0"), "1.60"),  # 0.8 continues; the 0 is counted and stops → 一级
        (("1", "1", "1", "1", "1"), "5.00"),
        (("0", "1", "1", "1", "1"), "0.00"),
        (("0.79", "1", "1", "1", "1"), "0.79"),
        (("0.8", "0.79", "1", "1", "1"), "1.59"),
        (("1", "1", "1", "1", "0.5"), "4.50"),
        (("1", "1", "0.8", "0.8", "0.8"), "4.40"),
    ],
)
def test_cmmm_total_adds_levels_until_the_first_below_0_8(scores, total):
    assert cmmm_total([Decimal(s) for s in scores]) == Decimal(total)


def test_cmmm_total_rejects_scores_outside_0_to_1():
    with pytest.raises(ValueError, match="0–1"):
        cmmm_total([Decimal("1.2")])


@pytest.mark.parametrize(
    ("total", "level"),
    [
        ("0", "none"),
        ("0.79", "none"),
        ("0.8", "L1"),
        ("1.6", "L1"),
        ("1.79", "L1"),
        ("1.8", "L2"),
        ("2.45", "L2"),
        ("2.79", "L2"),
        ("2.8", "L3"),
        ("3.79", "L3"),
        ("3.8", "L4"),
        ("4.79", "L4"),
        ("4.8", "L5"),
        ("5", "L5"),
    ],
)
def test_level_bands(total, level):
    assert grade_for(SPEC, total=Decimal(total)).code == level


def test_worked_example_end_to_end():
    # L2 = 0.9: half the sub-domains fully, half mostly met. L3 = 0.55: 2 of 20 full, 18 partly.
    overrides = {(leaf, 2): "most" for leaf in LEAVES[10:]}
    overrides |= {(leaf, 3): "part" for leaf in LEAVES[2:]}
    result = score(SPEC, answers(overrides=overrides), DISCRETE)
    assert level_scores(result)[:3] == [Decimal("1.00"), Decimal("0.90"), Decimal("0.55")]
    assert [s.counted for s in result.level_scores] == [True, True, True, False, False]
    assert result.total == Decimal("2.45")
    assert (result.level.code, result.level.title) == ("L2", "二级（规范级）")


def test_edge_example_0_8_continues_and_the_zero_stops():
    result = score(SPEC, answers(("most", "most", "none", "full", "full")), DISCRETE)
    assert level_scores(result) == [Decimal("0.80"), Decimal("0.80"), Decimal(0), Decimal(1), Decimal(1)]
    assert result.total == Decimal("1.60")
    assert result.level.code == "L1"


def test_all_maximum_is_5_and_level_5():
    result = score(SPEC, answers(), DISCRETE)
    assert (result.total, result.max_total) == (Decimal("5.00"), Decimal("5.00"))
    assert result.level.code == "L5"
    assert result.gaps == ()
    assert all(d.points == Decimal("5.00") for d in result.dimensions)


def test_all_minimum_is_0_and_not_rated():
    result = score(SPEC, answers(("none",) * 5), DISCRETE)
    assert result.total == Decimal("0.00")
    assert result.level.code == "none"
    assert [g.kind for g in result.gaps] == ["total", "level_score"]
    assert result.gaps[1].codes == tuple(LEAVES)


def test_satisfaction_may_be_given_as_numbers():
    numeric = dict(zip(REQUIREMENTS, [1, Decimal("0.8"), "0.5", 0] * 100, strict=False))
    by_code = {
        code: {1: "full", Decimal("0.8"): "most", "0.5": "part", 0: "none"}[v] for code, v in numeric.items()
    }
    assert score(SPEC, numeric, DISCRETE) == score(SPEC, by_code, DISCRETE)


@pytest.mark.parametrize("value", ["0.7", 0.9, "mostly", None, 2])
def test_other_satisfaction_values_are_rejected(value):
    code = next(iter(REQUIREMENTS))
    with pytest.raises(AnswerError, match=f"{code}: 满足程度应为 full=1 / most=0.8 / part=0.5 / none=0"):
        score(SPEC, answers() | {code: value}, DISCRETE)


def test_weights_are_renormalised_over_the_sub_domains_in_scope():
    weak_design = answers(overrides={("product-design", level): "none" for level in range(1, 6)})
    discrete = score(SPEC, weak_design, DISCRETE)
    assert level_scores(discrete) == [Decimal("0.95")] * 5  # 19 × 1 + 1 × 0, over 20
    assert discrete.dimension("product-design").visible

    process = score(SPEC, weak_design | {"product-design-applicable": "no"}, PROCESS)
    assert level_scores(process) == [Decimal("1.00")] * 5  # product design out of scope
    design = process.dimension("product-design")
    assert (design.visible, design.level_scores, design.points) == (False, (), Decimal(0))
    assert process.dimension("d-design").level_scores == (Decimal("1.00"),) * 5
    assert "不适用" in process.item("product-design.1.1").reason

    included = score(SPEC, weak_design | {"product-design-applicable": "yes"}, PROCESS)
    assert level_scores(included) == [Decimal("0.95")] * 5


def test_process_manufacturers_answer_the_screening_question_first():
    assert "product-design-applicable" not in visible_items(SPEC, {}, DISCRETE)
    assert visible_items(SPEC, {}, PROCESS)[0] == "product-design-applicable"
    assert "product-design.1.1" not in visible_items(SPEC, {}, PROCESS)
    with pytest.raises(AnswerError, match="product-design-applicable: 未作答"):
        score(SPEC, answers(), PROCESS)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (None, "context.production_type: 缺少企业情境信息"),
        ({}, "context.production_type: 缺少企业情境信息"),
        ({"production_type": "mixed"}, "context.production_type: 生产类型取值应为 discrete、process"),
    ],
)
def test_context_is_required_and_checked(context, message):
    with pytest.raises(ContextError, match=message):
        score(SPEC, answers(), context)


def test_unrelated_context_keys_are_ignored():
    assert score(SPEC, answers(), DISCRETE | {"industry_division": "36"}).total == Decimal("5.00")


def test_element_and_domain_scores_are_weighted_means_of_their_sub_domains():
    overrides = {("data", 1): "none", ("integration", 1): "part", ("security", 1): "most"}
    result = score(SPEC, answers(overrides=overrides), DISCRETE)
    technology = result.dimension("technology")
    # Kept exact, shown to 0.01 (#13 minor: GB/T 39117 compares the exact value).
    assert quantize(technology.level_scores[0]) == Decimal("0.43")  # (0 + 0.5 + 0.8) / 3 = 0.4333
    assert quantize(technology.points) == Decimal("0.43")  # its own level-sum: stops at level 1
    assert result.dimension("data").level_scores[0] == Decimal("0.00")
    assert quantize(level_scores(result)[0]) == Decimal("0.92")  # (17 + 1.3) / 20 = 0.915 → 0.92


def test_gap_names_the_lagging_sub_domains_of_the_stopping_level():
    lagging = ["network", "data", "sales", "logistics", "skills"]
    overrides = {(leaf, 3): "none" for leaf in lagging} | {("skills", 3): "part"}
    result = score(SPEC, answers(overrides=overrides), DISCRETE)
    assert level_scores(result)[2] == Decimal("0.775")  # (15 + 0.5) / 20, exact (#13 minor)
    assert result.total == Decimal("2.78")  # 2.775, shown to 0.01
    assert result.level.code == "L2"
    total_gap, level_gap = result.gaps
    assert (total_gap.kind, total_gap.target, total_gap.shortfall) == ("total", "L3", Decimal("0.025"))
    assert (level_gap.kind, level_gap.actual, level_gap.shortfall) == (
        "level_score",
        Decimal("0.775"),
        Decimal("0.025"),
    )
    assert level_gap.codes == ("data", "network", "logistics", "sales", "skills")
    assert level_gap.message.startswith("第 3 级（集成级）得分 0.78 低于 0.80，更高各级不计入总分")


def test_result_is_provisional_with_weights_scale_and_bands_named():
    result = score(SPEC, answers(), DISCRETE)
    assert result.provisional
    sources = {p.source: p.tag for p in result.provisional_reasons}
    assert sources["spec"] == "P"  # the 5 % sub-domain weights
    assert sources["maturity.scale"] == "S"
    assert sources["maturity"] == "M"
    assert sources["level:L2"] == "S"
    assert sources["condition:product-design"] == "P"


def test_to_dict_has_level_scores_with_two_decimals():
    data = score(SPEC, answers(("full", "most", "part", "none", "none")), DISCRETE).to_dict()
    assert data["total"] == "2.30"
    assert data["max_total"] == "5.00"
    assert [(s["level"], s["score"], s["counted"]) for s in data["level_scores"]] == [
        (1, "1.00", True),
        (2, "0.80", True),
        (3, "0.50", True),
        (4, "0.00", False),
        (5, "0.00", False),
    ]
    assert data["dimensions"][0]["level_scores"] == ["1.00", "0.80", "0.50", "0.00", "0.00"]


# --- #13 minor: the level score is compared with 0.8 before any rounding -------------------------------


@pytest.mark.parametrize(
    ("scores", "total"),
    [
        (("0.7975", "1", "1", "1", "1"), "0.7975"),  # shows as 0.80, but is below 0.8: stops at level 1
        (("0.79999", "1"), "0.79999"),
        (("1", "0.795", "1", "1", "1"), "1.795"),
        (("0.8", "1"), "1.8"),  # exactly 0.8 continues
        (("0.80001", "0.7999", "1"), "1.59991"),
    ],
)
def test_cmmm_total_compares_the_exact_level_scores(scores, total):
    assert cmmm_total([Decimal(s) for s in scores]) == Decimal(total)


@pytest.mark.parametrize(
    ("total", "level"),
    [("0.7975", "none"), ("1.7999", "L1"), ("2.7950", "L2"), ("4.79999", "L4"), ("0.8", "L1")],
)
def test_level_bands_judge_the_exact_total(total, level):
    assert grade_for(SPEC, total=Decimal(total)).code == level


def _level_1_at_0_7975():
    """Level 1 = 15.95 / 20 = 0.7975 over the 20 equally weighted sub-domains; levels 2–5 full."""
    overrides = {("integration", 1): "none", ("equipment", 1): "none", ("network", 1): "none",
                 ("product-design", 1): "part", ("process-design", 1): "most"}  # deficits 3 + 0.5 + 0.2
    result = answers(overrides=overrides)
    strategy, skills = ([code for code, item in REQUIREMENTS.items() if item.parent == leaf and item.level == 1]
                        for leaf in ("strategy", "skills"))
    result[strategy[0]] = "most"  # (0.8 + 1) / 2 = 0.9: deficit 0.1
    result[skills[0]] = "part"  # (0.5 + 1) / 2 = 0.75: deficit 0.25
    return result


def test_a_level_score_that_rounds_to_0_8_does_not_reach_it():
    result = score(SPEC, _level_1_at_0_7975(), DISCRETE)
    assert level_scores(result)[0] == Decimal("0.7975")
    assert [s.counted for s in result.level_scores] == [True, False, False, False, False]
    # Rounded first, 0.80 would have continued: 0.80 + 4 × 1 = 4.80, level 5.
    assert result.total == Decimal("0.80") and result.level.code == "none"
    data = result.to_dict()
    assert data["total"] == "0.80" and data["level_scores"][0]["score"] == "0.80"  # rounded for display only
    level_gap = next(g for g in result.gaps if g.kind == "level_score")
    # The text never says "0.80 is below 0.80".
    assert level_gap.message.startswith("第 1 级（规划级）得分 0.7975 低于 0.80")
    total_gap = next(g for g in result.gaps if g.kind == "total")
    assert "0.7975" in total_gap.message and "还差 0.0025 分" in total_gap.message
