"""The 一企一策 roadmap (pure): ranking by gain per step weighted by priorities, concrete next
steps per kind of question, deterministic ties, and rule tables that match the shipped specs."""

import dataclasses
from decimal import Decimal

import pytest

from diagnosis.results.roadmap import (
    BARRIERS,
    DEFAULT_WEIGHT,
    PRIORITY_CODES,
    RULES,
    Recommendation,
    build_roadmap,
    priority_factor,
    priority_weights,
)
from diagnosis.scoring import score, validate_answer, visible_items
from diagnosis.spec import SCENARIO_KIND, get_spec, load_all_specs
from tests.diagnosis.answers import best_answer, full_answers

SME = get_spec("sme-2024@1.0")
CMMM = get_spec("gbt39116-2020@1.0")
GBT23020 = get_spec("gbt23020-2013@1.0")
ONLY = dict.fromkeys(PRIORITY_CODES, 0)


def scored(spec, *, context=None, best=False, **overrides):
    """A stored result and its normalised answers, as assessment_submit keeps them."""
    raw = {**full_answers(spec, best=best), **overrides}
    shown = set(visible_items(spec, raw, context))
    answers = {code: validate_answer(spec, code, value) for code, value in raw.items() if code in shown}
    return score(spec, answers, context).to_dict(), answers


def plan(spec, priorities=None, *, context=None, best=False, **overrides):
    result, answers = scored(spec, context=context, best=best, **overrides)
    return build_roadmap(spec, result, answers, priorities)


def top_scenarios():
    return {s.code: best_answer(s) for s in SME.scenarios}


def sme_without_scenarios(priorities=None, **overrides):
    """SME answers with every scenario at the top level, so only scored items compete."""
    return plan(SME, priorities, **{**top_scenarios(), **overrides})


def points(result, code) -> Decimal:
    return Decimal(next(row for row in result["items"] if row["code"] == code)["points"])


def rank(roadmap, code):
    return [r.code for r in roadmap.recommendations].index(code)


def rec(roadmap, code) -> Recommendation:
    return next(r for r in roadmap.recommendations if r.code == code)


# --- ranking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("priority", "first"), [
    ("energy", "sc-energy"),
    ("safety", "sc-safety"),
    ("delivery", "sc-marketing"),  # constraint scenarios serving delivery tie; the code breaks the tie
    ("quality", "sc-equipment"),  # sc-after-sales serves quality too, but is no constraint scenario
])
def test_priorities_decide_which_scenario_comes_first(priority, first):
    roadmap = plan(SME, {**ONLY, priority: 5})
    assert roadmap.recommendations[0].code == first


@pytest.mark.parametrize(("priority", "ahead", "behind"), [
    ("energy", "energy-intensity", "pass-rate"),
    ("quality", "pass-rate", "energy-intensity"),
    ("safety", "network-security", "it-coverage"),
    ("cost", "it-coverage", "network-security"),
])
def test_priorities_change_the_order_of_scored_items(priority, ahead, behind):
    roadmap = sme_without_scenarios({**ONLY, priority: 5})
    assert rank(roadmap, ahead) < rank(roadmap, behind)


def test_score_is_gain_per_step_times_one_plus_the_priority_factor():
    roadmap = sme_without_scenarios({**ONLY, "energy": 5})
    energy = rec(roadmap, "energy-intensity")
    assert energy.gain == Decimal("3.5") and energy.steps == 3  # 上升 → 持平 is one option up
    assert energy.score == Decimal("3.5") / 3 * 2
    # Enablers (serving no single goal) take the mean weight: 1/5 here.
    planning = rec(roadmap, "planning-implementation")
    assert planning.serves == () and planning.score == Decimal("1.5") / 1 * Decimal("1.2")


def test_ties_break_on_the_code_whatever_the_item_order():
    result, answers = scored(SME)
    forward = build_roadmap(SME, result, answers)
    backward = build_roadmap(SME, {**result, "items": list(reversed(result["items"]))},
                             dict(reversed(answers.items())))
    assert [r.code for r in forward.recommendations] == [r.code for r in backward.recommendations]
    tied = [r for r in forward.recommendations if r.score == forward.recommendations[0].score]
    assert len(tied) > 1 and [r.code for r in tied] == sorted(r.code for r in tied)


def test_scenarios_needed_by_more_open_conditions_rank_higher():
    # Level 1 needs 6 scenarios at level ≥ 1 and 3 of the constraint set: a constraint scenario
    # works on both conditions, 协同办公 only on the first, so it ranks behind at equal weights.
    roadmap = plan(SME)
    assert rec(roadmap, "sc-energy").gain == 2 * rec(roadmap, "sc-office").gain == Decimal(6)
    assert rec(roadmap, "sc-office").closes_gap
    assert rank(roadmap, "sc-energy") < rank(roadmap, "sc-office")
    assert not rec(roadmap, "sc-office").gain_is_points


# --- next steps per kind -------------------------------------------------------------------------


@pytest.mark.parametrize(("numerator", "denominator", "more", "reached"), [
    ("35", "100", 6, "41.00%"),  # 20–40 % → over 40 %
    ("0", "7", 1, "14.29%"),  # ≤10 % → 1/7
    ("2", "10", 1, "30.00%"),  # exactly 20 % is still the 10–20 % band (upper-inclusive)
    ("6", "15", 1, "46.67%"),  # exactly 40 %
    ("40000", "100001", 6, "40.01%"),  # 40005/100001 = 40.0046 % rounds to 40.00 %: not over 40 yet
])
def test_ratio_recommendation_says_how_many_more_devices(numerator, denominator, more, reached):
    roadmap = sme_without_scenarios(**{"device-digitisation": {"numerator": numerator, "denominator": denominator}})
    step = rec(roadmap, "device-digitisation")
    assert step.next_step.startswith(f"再对 {more} 台/套生产设备进行数字化改造")
    assert f"提高到 {reached}" in step.next_step
    # The engine agrees: the recommended numerator gains exactly the promised points, one less does not.
    now, _answers = scored(SME, **{"device-digitisation": {"numerator": numerator, "denominator": denominator}})
    for extra, gained in ((more, step.gain), (more - 1, 0)):
        raised, _answers = scored(SME, **{"device-digitisation": {"numerator": str(int(numerator) + extra),
                                                                    "denominator": denominator}})
        assert points(raised, "device-digitisation") - points(now, "device-digitisation") == gained


def test_networking_counts_networked_devices():
    roadmap = sme_without_scenarios(network=["workshop-control"],
                                    **{"device-networking": {"numerator": "3", "denominator": "10"}})
    assert rec(roadmap, "device-networking").next_step.startswith("再将 2 台/套数字化设备接入企业网络")


def test_the_top_band_has_no_recommendation():
    roadmap = sme_without_scenarios(**{"device-digitisation": {"numerator": "61", "denominator": "100"}})
    assert "device-digitisation" not in [r.code for r in roadmap.recommendations]


def test_a_ratio_typed_as_a_plain_value_names_the_band():
    roadmap = sme_without_scenarios(**{"device-digitisation": "35"})
    assert "将设备数字化率由 35.00% 提高到 40–60%" in rec(roadmap, "device-digitisation").next_step


def test_multi_select_lists_missing_options_with_points_steered_by_priorities():
    energy = rec(sme_without_scenarios({**ONLY, "energy": 5}), "data-collection-links")
    assert "能耗管理（+0.70 分）" in energy.next_step and "其余 11 项" in energy.next_step
    safety = rec(sme_without_scenarios({**ONLY, "safety": 5}), "data-collection-links")
    assert "安全生产（+0.70 分）" in safety.next_step and "能耗管理" not in safety.next_step
    security = rec(sme_without_scenarios(**{"network-security": ["policy", "products"]}), "network-security")
    assert security.next_step.startswith("新增：定期开展网络安全风险评估（+1.25 分）、实施边界访问控制")
    assert security.gain == Decimal("2.50") and security.steps == 3


def test_choice_goes_one_option_up():
    step = rec(sme_without_scenarios(**{"it-coverage": "one"}), "it-coverage")
    assert step.next_step.startswith("由「1个业务环节」提升为「2个及以上业务环节（不超过80%）」")
    assert step.gain == Decimal("2.5")


def test_scenario_step_uses_the_next_level_descriptor_and_barrier():
    roadmap = plan(SME, **{"sc-quality": 2})
    step = rec(roadmap, "sc-quality")
    assert step.next_step == "由 2 级提升到 3 级：质量系统与生产、设备、采购系统集成，在线采集质量数据并开展统计过程控制"
    assert step.barrier == BARRIERS["unskilled"] and step.steps == 3
    assert rec(roadmap, "sc-energy").barrier == BARRIERS["unwilling"]  # 0 → 1: start recording


def test_every_sme_barrier_is_a_known_one_and_infrastructure_is_unable():
    roadmap = plan(SME)
    assert rec(roadmap, "network").barrier.title == "不能转"
    assert rec(roadmap, "planning-implementation").barrier.title == "不愿转"
    assert rec(roadmap, "funding").barrier.title == "不敢转"
    assert rec(roadmap, "talent").barrier.title == "不会转"
    assert rec(roadmap, "pass-rate").barrier is None  # an outcome, not a barrier


def test_maturity_requirements_go_one_grade_up_and_stop_at_the_counted_levels():
    answers = {code: ("full" if item.level <= 2 else "part") for code, item in CMMM.items.items()
               if item.kind == "requirement"}
    roadmap = plan(CMMM, context={"production_type": "discrete"}, **answers)
    levels = {CMMM.items[r.code].level for r in roadmap.recommendations}
    assert levels == {3}  # levels 1–2 are full, 4–5 are not counted yet
    energy = rec(roadmap, "energy-management.3.1")
    assert energy.next_step == "第 3 级「集成级」要求：由「部分满足」提升为「大部分满足」"
    # One requirement of a 5 %-weight sub-domain, alone at its level: 0.3 × 5 / 100.
    assert energy.gain == Decimal("0.015") and energy.gain_text == "0.015"
    assert energy.closes_gap and energy.barrier == BARRIERS["unskilled"]


def test_gbt23020_flags_items_of_the_dimension_the_next_stage_needs():
    roadmap = plan(GBT23020)
    assert rec(roadmap, "finance-hr").closes_gap  # 单项覆盖 needs 单项应用 ≥ 50 %
    assert not rec(roadmap, "it-planning").closes_gap
    assert [g.target.code for g in roadmap.gaps] == ["single-coverage"]


@pytest.mark.parametrize("key", sorted(load_all_specs()))
def test_every_shipped_spec_gets_a_roadmap_of_frozen_decimal_recommendations(key):
    spec = get_spec(key)
    context = {"production_type": "discrete"} if spec.method == "maturity" else None
    roadmap = plan(spec, context=context)
    assert roadmap.recommendations
    first = roadmap.recommendations[0]
    assert isinstance(first.gain, Decimal) and isinstance(first.score, Decimal)
    assert all(r.next_step for r in roadmap.recommendations)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.score = Decimal(0)
    best = plan(spec, context=context, best=True)
    assert best.recommendations == () and best.gaps == ()


# --- tables and weights ------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_tables_name_only_existing_codes(code):
    spec = next(s for s in load_all_specs().values() if s.code == code)
    rules = RULES[code]
    assert set(rules.items) <= set(spec.items)
    assert set(rules.dimensions) <= set(spec.dimension_index)
    for item_code, rule in rules.items.items():
        assert set(rule.options) <= set(spec.items[item_code].option_index), item_code
        assert set(rule.serves) <= set(PRIORITY_CODES)
        assert rule.barrier in ("", *BARRIERS)
        assert all(set(o.serves) <= set(PRIORITY_CODES) for o in rule.options.values())


def test_sme_2024_has_a_rule_for_every_scored_item_and_scenario():
    assert {c for c, i in SME.items.items() if i.scored or i.kind == SCENARIO_KIND} == set(RULES["sme-2024"].items)


@pytest.mark.parametrize(("stored", "expected"), [
    (None, dict.fromkeys(PRIORITY_CODES, DEFAULT_WEIGHT)),
    ({"energy": 5, "cost": 0}, {**dict.fromkeys(PRIORITY_CODES, 3), "energy": 5, "cost": 0}),
    ({"energy": 9, "cost": "2", "safety": True}, dict.fromkeys(PRIORITY_CODES, 3)),  # invalid → default
])
def test_priority_weights_default_to_three(stored, expected):
    assert priority_weights(stored) == expected


def test_priority_factor_uses_the_top_served_weight_or_the_mean():
    weights = {"cost": 1, "quality": 4, "delivery": 0, "energy": 5, "safety": 0}
    assert priority_factor(("cost", "quality"), weights) == Decimal("0.8")
    assert priority_factor((), weights) == Decimal("0.4")
