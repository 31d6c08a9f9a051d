from decimal import Decimal

import pytest

from diagnosis.scoring import AnswerError, grade_for, score, visible_items
from diagnosis.spec import get_spec

SPEC = get_spec("gbt23020-2013@1.0")
CHOICES = [code for code, item in SPEC.items.items() if item.kind == "choice"]
MINIMUM = dict.fromkeys(CHOICES, "a") | {
    "e-commerce": "none",
    "automation-equipment-share": "0",
    "it-om-share": "0",
    "computers-per-100": "0",
    "rd-tool-penetration": "0",
    "cnc-key-process": "0",
    "new-product-share": "0",
    "on-time-delivery": "0",
}
MAXIMUM = {code: SPEC.items[code].options[-1].code for code in CHOICES} | {
    "automation-equipment-share": {"numerator": 81, "denominator": 100},
    "it-om-share": "35",
    "computers-per-100": {"numerator": 130, "denominator": 100},
    "rd-tool-penetration": "100",
    "cnc-key-process": "90",
    "e-commerce-sales-share": "31",
    "new-product-share": "31",
    "on-time-delivery": "99",
}


def test_all_maximum_scores_100_and_innovation_stage():
    result = score(SPEC, MAXIMUM)
    assert result.total == Decimal("100.00")
    assert result.level is None
    assert (result.stage.code, result.stage.title) == ("innovation", "创新突破")
    assert [(d.title, d.points) for d in result.dimensions] == [
        ("基础建设", Decimal(25)),
        ("单项应用", Decimal(25)),
        ("综合集成", Decimal(15)),
        ("协同与创新", Decimal(10)),
        ("竞争力", Decimal("12.5")),
        ("经济和社会效益", Decimal("12.5")),
    ]
    assert result.gaps == ()


def test_all_minimum_scores_0_and_starting_stage():
    result = score(SPEC, MINIMUM)
    assert result.total == Decimal("0.00")
    assert result.stage.title == "起步建设"
    (gap,) = result.gaps
    assert (gap.target, gap.kind, gap.codes) == ("single-coverage", "dimension", ("single-application",))
    assert gap.message == "单项应用得分率 0.00%，达到单项覆盖需 ≥ 50.00%，还差 50.00 个百分点"


@pytest.mark.parametrize(
    ("single", "integration", "synergy", "stage"),
    [
        ("0", "0", "0", "starting"),
        ("49.99", "49.99", "100", "starting"),
        ("50", "0", "0", "single-coverage"),
        ("0", "50", "0", "integration"),  # checked from the top: 单项应用 is not required
        ("100", "59.99", "100", "integration"),
        ("100", "60", "59.99", "integration"),
        ("0", "60", "60", "innovation"),
        ("100", "100", "100", "innovation"),
    ],
)
def test_stage_rule(single, integration, synergy, stage):
    percents = {
        "single-application": Decimal(single),
        "integration": Decimal(integration),
        "synergy": Decimal(synergy),
    }
    assert grade_for(SPEC, total=Decimal(0), dimension_percents=percents, which="stages").code == stage


@pytest.mark.parametrize(
    ("rd_share", "percent", "stage"),
    [
        ("50", "50.00", "single-coverage"),  # 2.5 + 5 + 5 = 12.5 of 25
        ("40", "45.00", "starting"),  # 1.25 + 5 + 5 = 11.25 of 25
    ],
)
def test_stage_boundary_end_to_end(rd_share, percent, stage):
    answers = MINIMUM | {
        "rd-tool-penetration": rd_share,
        "cnc-key-process": "100",
        "production-management": "d",
    }
    result = score(SPEC, answers)
    assert result.dimension("single-application").percent == Decimal(percent)
    assert result.stage.code == stage


def test_integration_stage_from_component_scores():
    answers = MAXIMUM | {"e-commerce": "info", "supply-chain-collaboration": "c"}  # 协同与创新 3.5 / 10
    result = score(SPEC, answers)
    assert result.dimension("synergy").percent == Decimal("35.00")
    assert result.stage.code == "integration"
    (gap,) = result.gaps
    assert (gap.target, gap.codes, gap.shortfall) == ("innovation", ("synergy",), Decimal(25))


@pytest.mark.parametrize(
    ("answer", "points", "reason"),
    [
        ("10", "0.00", "每百名员工拥有计算机数 10.00 台/百人 落在 ≤10 台/百人 档，得 0.00 分"),
        (
            {"numerator": 45, "denominator": 100},
            "2.00",
            "每百名员工拥有计算机数 45.00 台/百人（45/100） 落在 30–60 台/百人 档，得 2.00 分",
        ),
        (
            {"numerator": 150, "denominator": 100},
            "3.00",
            "每百名员工拥有计算机数 150.00 台/百人（150/100） 落在 >60 台/百人 档，得 3.00 分",
        ),
        ("250", "3.00", "每百名员工拥有计算机数 250.00 台/百人 落在 >60 台/百人 档，得 3.00 分"),
    ],
)
def test_unbounded_ratio_allows_more_than_one_per_person(answer, points, reason):
    item = score(SPEC, MAXIMUM | {"computers-per-100": answer}).item("computers-per-100")
    assert (item.points, item.reason) == (Decimal(points), reason)


def test_bounded_ratio_still_rejects_numerator_above_denominator():
    with pytest.raises(
        AnswerError,
        match="it-om-share: 近五年信息化运维投入（万元）（6）不能大于近五年信息化总投入（万元）（5）",
    ):
        score(SPEC, MAXIMUM | {"it-om-share": {"numerator": 6, "denominator": 5}})


@pytest.mark.parametrize(
    ("e_commerce", "shown"),
    [("none", False), ("info", False), ("trade", True), ("integrated", True)],
)
def test_online_sales_share_is_asked_only_with_online_trade(e_commerce, shown):
    assert ("e-commerce-sales-share" in visible_items(SPEC, {"e-commerce": e_commerce})) is shown


def test_online_sales_share_is_required_once_shown():
    answers = dict(MINIMUM) | {"e-commerce": "trade"}
    with pytest.raises(AnswerError, match="e-commerce-sales-share: 未作答"):
        score(SPEC, answers)
    result = score(SPEC, answers | {"e-commerce-sales-share": "16"})
    assert result.dimension("synergy").points == Decimal("4.00")  # 2 + 2


def test_everything_is_provisional():
    result = score(SPEC, MAXIMUM)
    assert result.provisional
    assert [(p.source, p.tag) for p in result.provisional_reasons] == [("spec", "P")]
    assert "未找到" in result.provisional_reasons[0].note


def test_official_questions_are_paraphrased_and_the_rest_are_ours():
    wordings = {code: item.wording for code, item in SPEC.items.items()}
    official = [code for code, wording in wordings.items() if wording == "paraphrase"]
    assert official == [
        "automation-equipment-share",
        "it-om-share",
        "it-department",
        "it-executive",
        "it-planning",
        "computers-per-100",
        "backbone-network",
    ]
    assert all(wording == "ours" for code, wording in wordings.items() if code not in official)
