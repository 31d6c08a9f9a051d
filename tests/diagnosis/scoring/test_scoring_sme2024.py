import json
from decimal import Decimal

import pytest

from diagnosis.scoring import (
    AnswerError,
    grade_for,
    missing_items,
    score,
    validate_answer,
    visible_items,
)
from diagnosis.spec import get_spec

SPEC = get_spec("sme-2024@1.0")
CONSTRAINT = [
    "sc-product-design", "sc-marketing", "sc-production-control", "sc-quality", "sc-equipment",
    "sc-safety", "sc-energy", "sc-procurement", "sc-warehousing", "sc-finance",
]  # fmt: skip
OTHER = ["sc-process-design", "sc-after-sales", "sc-planning", "sc-hr", "sc-office", "sc-decision"]
SCENARIOS = CONSTRAINT + OTHER

ALL_LINKS = [o.code for o in SPEC.items["data-collection-links"].options if o.code != "none"]
MINIMUM = {
    "network": ["none"],
    "device-digitisation": {"numerator": 0, "denominator": 10},
    "data-collection-links": ["none"],
    "it-coverage": "none",
    "network-security": ["none"],
    "data-security": ["none"],
    "planning-implementation": "none",
    "management-mechanisms": ["none"],
    "talent": ["none"],
    "funding": "0",
    "energy-intensity": "up",
    "pass-rate": "down",
    "revenue-per-employee": "down",
    "cost-per-revenue": "up",
}
MAXIMUM = {
    "network": ["workshop-control", "enterprise-network", "industrial-5g", "full-coverage"],
    "device-digitisation": {"numerator": 90, "denominator": 100},
    "device-networking": "100",
    "data-collection-links": ALL_LINKS,
    "it-coverage": "all",
    "network-security": ["policy", "products", "risk-assessment", "boundary"],
    "data-security": ["policy", "protection", "risk-assessment", "ledger"],
    "planning-implementation": "optimising",
    "management-mechanisms": ["leadership", "dedicated-team", "performance", "project-rules"],
    "talent": ["training", "recruitment", "incentives", "partnerships", "career-path"],
    "funding": {"numerator": 61, "denominator": 100},
    "energy-intensity": "down",
    "pass-rate": "up",
    "revenue-per-employee": "up",
    "cost-per-revenue": "down",
}

# Answer sets whose base score is exactly a level threshold (the sums are spelt out).
BASE_20 = {
    "it-coverage": "all",
    "network-security": MAXIMUM["network-security"],
    "data-security": MAXIMUM["data-security"],
}
# 20 + 10 (all data links) + 7 (energy down) + 3 (revenue up) = 40
BASE_40 = BASE_20 | {
    "data-collection-links": ALL_LINKS,
    "energy-intensity": "down",
    "revenue-per-employee": "up",
}
# 40 + 7 (pass rate up) + 3 (cost down) + 4 (two networks) + 6 (digitisation > 60 %) = 60
BASE_60 = BASE_40 | {
    "pass-rate": "up",
    "cost-per-revenue": "down",
    "network": ["workshop-control", "enterprise-network"],
    "device-digitisation": "61",
    "device-networking": "0",
}
# 60 + 2 (third network) + 7.5 (planning) + 7.5 (talent) + 3 (networking 20–40 %) = 80
BASE_80 = BASE_60 | {
    "network": ["workshop-control", "enterprise-network", "industrial-5g"],
    "planning-implementation": "optimising",
    "talent": MAXIMUM["talent"],
    "device-networking": "30",
}
# Just below the thresholds: the nearest totals these point values allow.
BASE_19_90 = {  # 7.5 + 5 + 5 + 1.5 + 0.9
    "it-coverage": "over-80",
    "network-security": MAXIMUM["network-security"],
    "data-security": MAXIMUM["data-security"],
    "talent": ["training"],
    "data-collection-links": ["hr"],
}
BASE_78_50 = BASE_80 | {"device-networking": "20"}  # networking 1.5 instead of 3


def answers(base=None, scenario_level=0, **overrides):
    """MINIMUM, overlaid with ``base`` answers, every scenario at ``scenario_level``."""
    result = dict(MINIMUM) | (base or {})
    result |= dict.fromkeys(SCENARIOS, scenario_level)
    return result | overrides


def scenarios(levels: dict[str, int]) -> dict[str, int]:
    return {code: levels.get(code, 0) for code in SCENARIOS}


def test_all_maximum_scores_100_and_level_4():
    result = score(SPEC, answers(MAXIMUM, 4))
    assert result.total == Decimal("100.00")
    assert result.max_total == Decimal("100.00")
    assert (result.level.code, result.level.title, result.level.title_en) == ("L4", "四级", "Level 4")
    assert result.stage is None
    assert [(d.code, d.points, d.max_points) for d in result.dimensions] == [
        ("foundation", Decimal("50.00"), Decimal(50)),
        ("management", Decimal("30.00"), Decimal(30)),
        ("outcomes", Decimal("20.00"), Decimal(20)),
    ]
    assert result.gaps == ()


def test_all_minimum_scores_0_and_is_not_rated():
    result = score(SPEC, answers())
    assert result.total == Decimal("0.00")
    assert result.level.code == "none"
    assert result.level.title == "未达级"
    assert {g.kind: g.shortfall for g in result.gaps} == {"total": Decimal(20), "scenarios": 3}
    assert [g.message for g in result.gaps] == [
        "基础得分（数字化基础+管理+成效） 0.00，达到一级需 ≥ 20.00，还差 20.00 分",
        "达到一级需至少 6 个场景达到 1 级及以上，当前 0 个，还差 6 个",
        "达到一级需至少 3 个约束性场景达到 1 级及以上，当前 0 个，还差 3 个",
    ]


@pytest.mark.parametrize(
    ("base", "scenario_level", "total", "level"),
    [
        (BASE_19_90, 4, "19.90", "none"),
        (BASE_20, 4, "20.00", "L1"),
        (BASE_40, 4, "40.00", "L2"),
        (BASE_60, 4, "60.00", "L3"),
        (BASE_78_50, 4, "78.50", "L3"),
        (BASE_80, 4, "80.00", "L4"),
        (BASE_80, 3, "80.00", "L3"),
        (BASE_80, 1, "80.00", "L1"),
        (BASE_80, 0, "80.00", "none"),
    ],
)
def test_base_score_thresholds_are_reached_at_exactly_the_threshold(base, scenario_level, total, level):
    result = score(SPEC, answers(base, scenario_level))
    assert result.total == Decimal(total)
    assert result.level.code == level


@pytest.mark.parametrize(
    ("total", "level"),
    [
        ("19.99", "none"),
        ("20", "L1"),
        ("39.99", "L1"),
        ("40.00", "L2"),
        ("59.99", "L2"),
        ("60", "L3"),
        ("79.99", "L3"),
        ("80", "L4"),
        ("100", "L4"),
    ],
)
def test_level_boundaries_with_all_scenarios_at_4(total, level):
    assert (
        grade_for(SPEC, total=Decimal(total), scenario_levels=scenarios(dict.fromkeys(SCENARIOS, 4))).code
        == level
    )


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        # 9 scenarios at 4 (7 of them constraint), the rest at 3: 四级 needs 10.
        (dict.fromkeys(CONSTRAINT[:7] + OTHER[:2], 4) | dict.fromkeys(CONSTRAINT[7:] + OTHER[2:], 3), "L3"),
        # 10 scenarios at 4 but only 4 constraint ones: 四级 needs 6.
        (dict.fromkeys(OTHER + CONSTRAINT[:4], 4) | dict.fromkeys(CONSTRAINT[4:], 3), "L3"),
        # 10 at 4 with 6 constraint: 四级.
        (dict.fromkeys(OTHER[:4] + CONSTRAINT[:6], 4), "L4"),
        # 8 at 3 but only 4 constraint: 三级 needs 5 → 二级.
        (dict.fromkeys(OTHER + CONSTRAINT[:2], 3) | dict.fromkeys(CONSTRAINT[2:4], 3), "L2"),
        # 6 at 2 with 3 constraint: 二级 (8 at 3 missing).
        (dict.fromkeys(OTHER[:3] + CONSTRAINT[:3], 2), "L2"),
        # 6 at 1 but only 2 constraint: not even 一级.
        (dict.fromkeys(OTHER[:4] + CONSTRAINT[:2], 1), "none"),
    ],
)
def test_scenario_gating_with_a_base_of_85(levels, expected):
    assert grade_for(SPEC, total=Decimal(85), scenario_levels=scenarios(levels)).code == expected


def test_gaps_to_level_4_name_the_missing_constraint_scenarios():
    levels = dict.fromkeys(OTHER + CONSTRAINT[:4], 4) | dict.fromkeys(CONSTRAINT[4:], 3)
    result = score(SPEC, answers(MAXIMUM) | levels)
    assert result.level.code == "L3"
    (gap,) = result.gaps
    assert (gap.target, gap.kind, gap.required, gap.actual, gap.shortfall) == ("L4", "scenarios", 6, 4, 2)
    assert gap.codes == tuple(CONSTRAINT[4:])
    assert gap.message == "达到四级需至少 6 个约束性场景达到 4 级及以上，当前 4 个，还差 2 个"


def test_gaps_to_level_3_give_the_missing_base_points():
    result = score(SPEC, answers(BASE_40, 4))
    (gap,) = result.gaps
    assert (gap.target, gap.kind, gap.shortfall) == ("L3", "total", Decimal(20))


@pytest.mark.parametrize(
    ("answer", "value", "points"),
    [
        ("0", "0.00", "0.00"),
        ("10", "10.00", "0.00"),
        ("10.01", "10.01", "1.50"),
        ("20", "20.00", "1.50"),
        ("20.004", "20.00", "1.50"),  # rounded before banding: judged as displayed
        ("20.005", "20.01", "3.00"),
        ("40", "40.00", "3.00"),
        ("60", "60.00", "4.50"),
        ("60.01", "60.01", "6.00"),
        ("100", "100.00", "6.00"),
        (35, "35.00", "3.00"),
        (Decimal("45.5"), "45.50", "4.50"),
        (12.5, "12.50", "1.50"),
        ({"numerator": 1, "denominator": 5}, "20.00", "1.50"),
        ({"numerator": 1, "denominator": 3}, "33.33", "3.00"),
        ({"numerator": "3", "denominator": "5"}, "60.00", "4.50"),
        ({"numerator": 0, "denominator": 7}, "0.00", "0.00"),
        ({"numerator": 7, "denominator": 7}, "100.00", "6.00"),
    ],
)
def test_ratio_bands_are_upper_inclusive(answer, value, points):
    result = score(SPEC, answers(MAXIMUM, **{"device-digitisation": answer}))
    item = result.item("device-digitisation")
    assert (item.value, item.points) == (Decimal(value), Decimal(points))


def test_item_reasons_are_readable_chinese():
    result = score(
        SPEC,
        answers(
            MAXIMUM,
            **{
                "device-networking": "35",
                "device-digitisation": {"numerator": 35, "denominator": 100},
                "network": ["none"],
                "data-collection-links": ["hr", "finance"],
                "management-mechanisms": ["leadership"],
            },
        ),
    )
    reasons = {item.code: item.reason for item in result.items}
    assert reasons["device-digitisation"] == "设备数字化率 35.00%（35/100） 落在 20–40% 档，得 3.00 分"
    assert reasons["network"] == "网络建设：选择「以上均无」，得 0.00 分"
    assert (
        reasons["data-collection-links"]
        == "已实现数据自动采集的业务环节：选择 2 项（财务管理、人力资源），得 1.60 分"
    )
    assert reasons["management-mechanisms"].endswith("得 1.88 分")
    assert reasons["talent"] == "数字化人才建设：选择全部 5 项，得 7.50 分"
    assert reasons["pass-rate"] == "改造后产品月度平均合格率变化：选择「上升」，得 7.00 分"
    assert reasons["sc-finance"].startswith("财务管理：0 级（未开展）")
    assert reasons["device-networking"] == (
        "设备联网率：仅当「网络建设」未选择「以上均无」时作答，本次不适用，计 0 分"
    )


def test_percentage_reason_matches_the_documented_example():
    result = score(SPEC, answers(MAXIMUM, **{"device-networking": "35"}))
    assert result.item("device-networking").reason == "设备联网率 35.00% 落在 20–40% 档，得 3.00 分"


def test_multi_select_points_are_quantised_per_item():
    three = ["leadership", "dedicated-team", "performance"]
    result = score(SPEC, answers(MAXIMUM, **{"management-mechanisms": three, "funding": "30"}))
    assert result.item("management-mechanisms").points == Decimal("5.63")  # 3 × 1.875 = 5.625
    assert result.item("funding").points == Decimal("3.75")
    assert result.total == Decimal("100.00") - Decimal("1.87") - Decimal("3.75")


def test_follow_up_question_is_hidden_when_there_is_no_network():
    partial = {"network": ["none"]}
    assert "device-networking" not in visible_items(SPEC, partial)
    assert "device-networking" in visible_items(SPEC, {"network": ["industrial-5g"]})
    # Until the controlling question is answered, the follow-up stays hidden.
    assert "device-networking" not in visible_items(SPEC, {})
    missing = missing_items(SPEC, partial)
    assert "device-networking" not in missing
    assert missing[0] == "device-digitisation"
    assert len(missing) == len(SPEC.items) - 2


def test_hidden_answers_are_ignored_not_scored():
    stale = answers(MAXIMUM, 4, network=["none"])  # device-networking "100" is left over
    result = score(SPEC, stale)
    item = result.item("device-networking")
    assert (item.visible, item.points, item.max_points) == (False, Decimal(0), Decimal(6))
    assert result.total == Decimal("86.00")  # 100 − 8 (network) − 6 (networking)


def test_result_is_json_safe_with_two_decimal_strings():
    data = score(SPEC, answers(MAXIMUM, 4, **{"device-networking": "35"})).to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["spec_key"] == "sme-2024@1.0"
    assert (data["total"], data["max_total"]) == ("97.00", "100.00")
    assert data["level"] == {"code": "L4", "title": "四级", "title_en": "Level 4"}
    assert data["dimensions"][0]["children"][0]["points"] == "17.00"
    networking = next(i for i in data["items"] if i["code"] == "device-networking")
    assert (networking["points"], networking["value"]) == ("3.00", "35.00")


def test_result_is_provisional_and_says_why():
    result = score(SPEC, answers(MAXIMUM, 4))
    assert result.provisional
    sources = {(p.source, p.tag) for p in result.provisional_reasons}
    assert {("spec", "S"), ("scenario_set:constraint", "S"), ("condition:device-networking", "P")} <= sources
    assert {("level:L3", "S"), ("item:funding", "S")} <= sources
    conflict = next(p for p in result.provisional_reasons if p.source == "scenario_set:constraint")
    assert "9" in conflict.note


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("nonexistent", "x", "nonexistent: 未知题目"),
        ("it-coverage", "most", "it-coverage: 未知选项 'most'"),
        ("it-coverage", ["all"], "it-coverage: 未知选项"),
        ("network", ["none", "industrial-5g"], "「以上均无」不能与其他选项同时选择"),
        ("network", [], "至少选择一项"),
        ("network", "industrial-5g", "多选题的答案应为选项代码列表"),
        ("network", ["industrial-5g", "industrial-5g"], "选项重复"),
        ("network", ["wifi"], "未知选项 'wifi'"),
        ("device-digitisation", {"numerator": 1, "denominator": 0}, "生产设备总数（台/套）不能为 0"),
        ("device-digitisation", {"numerator": 11, "denominator": 10}, "不能大于"),
        ("device-digitisation", {"numerator": 1}, "比例题的答案应为"),
        ("device-digitisation", "100.01", "数值应在 0–100% 之间"),
        ("device-digitisation", -1, "不能为负数"),
        ("device-digitisation", {"numerator": -1, "denominator": 5}, "不能为负数"),
        ("device-digitisation", "abc", "应为数字"),
        ("device-digitisation", float("nan"), "应为有限数字"),
        ("device-digitisation", True, "应为数字"),
        ("device-digitisation", None, "应为数字"),
        ("sc-quality", 5, "场景等级应为 0–4 的整数"),
        ("sc-quality", -1, "场景等级应为 0–4 的整数"),
        ("sc-quality", "three", "场景等级应为 0–4 的整数"),
        ("sc-quality", True, "场景等级应为 0–4 的整数"),
    ],
)
def test_invalid_answers_raise_answer_error_naming_the_item(code, value, message):
    with pytest.raises(AnswerError, match=message) as raised:
        score(SPEC, answers(MAXIMUM, 4) | {code: value})
    assert raised.value.item_code == code
    with pytest.raises(AnswerError, match=message):
        validate_answer(SPEC, code, value)


def test_missing_answer_raises_answer_error_naming_the_first_item():
    incomplete = answers(MAXIMUM, 4)
    del incomplete["talent"], incomplete["sc-hr"]
    with pytest.raises(AnswerError, match=r"talent: 未作答（共 2 题未作答）"):
        score(SPEC, incomplete)


@pytest.mark.parametrize(
    ("code", "value", "normalised"),
    [
        ("it-coverage", "all", "all"),
        ("network", ("full-coverage", "workshop-control"), ["workshop-control", "full-coverage"]),
        ("device-digitisation", 35.5, "35.5"),
        ("device-digitisation", Decimal("1E+1"), "10"),
        (
            "device-digitisation",
            {"numerator": 3, "denominator": "4.50"},
            {"numerator": "3", "denominator": "4.5"},
        ),
        ("sc-quality", "3", 3),
    ],
)
def test_validate_answer_returns_the_form_to_store(code, value, normalised):
    assert validate_answer(SPEC, code, value) == normalised
    assert validate_answer(SPEC, code, normalised) == normalised


def test_scenarios_add_no_points():
    assert score(SPEC, answers(MAXIMUM, 0)).total == score(SPEC, answers(MAXIMUM, 4)).total
