"""The pure subsidy rules: every instrument's amount as tables (each tier boundary and cap, the
rounding), property tests (never above the cap, never negative, monotone where the rule is), the
parameter documents' checks and eligibility."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subsidies import rules as r
from subsidies.seeds import PROGRAMMES, seed


def p(value, confidence="V", source="policy"):
    return {"value": value, "source": source, "confidence": confidence}


def params(code):
    s = seed(code)
    return r.parse_params(s["instrument"], s["params"])


LONGHUA = params("lh-equipment-upgrade")


def test_every_seed_parses():
    for programme in PROGRAMMES:
        r.parse_params(programme["instrument"], programme["params"])
        r.parse_conditions(programme["conditions"])


@pytest.mark.parametrize(("investment", "amount", "capped"), [
    ("0", "0.00", False),
    ("0.01", "0.00", False),           # 0.002 → 0.00
    ("0.03", "0.01", False),           # 0.006 → 0.01 (half up)
    ("0.025", None, None),             # three decimals: refused
    ("9999999.99", "2000000.00", False),  # last fen of the 20 % band (1 999 999.998 → half up)
    ("10000000", "3000000.00", False),    # first yuan of the 30 % band
    ("16666666.66", "5000000.00", False),  # 4 999 999.998 rounds up to the cap without passing it
    ("16666666.67", "5000000.00", True),  # 5 000 000.001 → capped at 5 M
    ("199999999.99", "5000000.00", True),
    ("200000000", "10000000.00", False),  # 5 % band starts: 10 M
    ("599999999.99", "30000000.00", False),  # 29 999 999.9995 → 30 000 000.00 by rounding, not the cap
    ("600000000", "30000000.00", False),
    ("600000000.20", "30000000.00", True),
    ("10000000000", "30000000.00", True),
])
def test_longhua_bands(investment, amount, capped):
    if amount is None:
        with pytest.raises(r.RuleError) as error:
            r.post_hoc_reward(LONGHUA, investment)
        assert error.value.problems[0].key == "too_many_decimals"
        return
    result = r.post_hoc_reward(LONGHUA, investment)
    assert result.value == D(amount)
    if capped is not None:
        assert result.capped is capped


@pytest.mark.parametrize("bad", ["-1", "10000000000.01", "abc", "1e3\x00", "NaN", "Infinity", "", None, 1.5, True])
def test_post_hoc_reward_refuses_bad_investment(bad):
    with pytest.raises(r.RuleError):
        r.post_hoc_reward(LONGHUA, bad)


def test_dongguan_single_band_and_cap():
    dg = params("dg-post-hoc-reward")
    assert r.post_hoc_reward(dg, "1000000").value == D("200000.00")
    assert r.post_hoc_reward(dg, "250000000").value == D("50000000.00")
    assert r.post_hoc_reward(dg, "250000000.05").capped
    assert r.maximum(dg) == D("50000000.00")
    assert dg.provisional == ("bands",)


@pytest.mark.parametrize(("price", "amount", "capped"), [
    ("0", "0.00", False),
    ("100", "30.00", False),
    ("0.05", "0.02", False),          # 0.015 → 0.02 half up
    ("333333.33", "100000.00", False),  # 99 999.999 → 100 000.00 (rounding reaches the cap, not above)
    ("333333.31", "99999.99", False),
    ("333333.34", "100000.00", True),
    ("5000000", "100000.00", True),
])
def test_service_voucher(price, amount, capped):
    result = r.voucher(params("sz-service-voucher"), price)
    assert result.value == D(amount)
    assert result.capped is capped


def test_cloud_voucher_minimum_spend_and_provisional():
    raw = {**seed("dg-cloud-voucher")["params"], "min_spend": p("10000", "P", "")}
    cloud = r.parse_params("cloud_voucher", raw)
    assert r.voucher(cloud, "9999.99").value == 0
    assert r.voucher(cloud, "9999.99").formula == "voucher_below_minimum"
    assert r.voucher(cloud, "10000").value == D("5000.00")
    assert r.voucher(cloud, "200000").value == D("100000.00")
    assert set(cloud.provisional) == {"share", "cap", "min_spend"}


def test_rounding_step_param():
    raw = {**seed("sz-service-voucher")["params"], "round_to": p("100")}
    rounded = r.parse_params("service_voucher", raw)
    assert r.voucher(rounded, "1234").value == D("400.00")   # 370.2 → 400
    assert r.voucher(rounded, "1000").value == D("300.00")
    raw["round_to"] = p("5")
    with pytest.raises(r.RuleError) as error:
        r.parse_params("service_voucher", raw)
    assert error.value.problems[0].key == "rounding_step"


JIANGMEN = r.parse_params("interest_subsidy", {
    "first_year_share": p("0.90"), "yearly_decline": p("0.10"), "term_years": p(3), "cap": p("1000000")})


@pytest.mark.parametrize(("year", "share"), [(0, "0"), (1, "0.90"), (2, "0.80"), (3, "0.70"), (4, "0")])
def test_interest_share_declines(year, share):
    assert r.interest_share(JIANGMEN, year) == D(share)


@pytest.mark.parametrize(("interests", "amount", "capped"), [
    ([], "0.00", False),
    (["100000"], "90000.00", False),
    (["100000", "100000", "100000"], "240000.00", False),
    (["100000", "100000", "100000", "100000"], "240000.00", False),  # year 4 is past the term
    (["0.01", "0.01"], "0.02", False),                              # 0.009 → 0.01, 0.008 → 0.01
    (["1000000", "1000000"], "1000000.00", True),                   # 900 k + 800 k → cap
    (["1111111.11"], "1000000.00", False),                          # 999 999.999 → 1 000 000.00
])
def test_interest_subsidy(interests, amount, capped):
    result = r.interest_subsidy(JIANGMEN, interests)
    assert result.value == D(amount)
    assert result.capped is capped


def test_interest_share_never_negative():
    steep = r.parse_params("interest_subsidy", {"first_year_share": p("0.3"), "yearly_decline": p("0.2"),
                                                "term_years": p(5), "cap": p("10")})
    assert [r.interest_share(steep, y) for y in range(1, 6)] == [D("0.3"), D("0.1"), 0, 0, 0]


PINGSHAN = params("ps-cmmm-level-reward")


@pytest.mark.parametrize(("level", "paid", "amount", "formula"), [
    ("L5", "0", "5000000.00", "level_reward"),
    ("L4", "0", "3000000.00", "level_reward"),
    ("L3", "0", "1000000.00", "level_reward"),
    ("L2", "0", "0.00", "level_reward"),
    (None, "0", "0.00", "level_reward"),
    ("L4", "1000000", "2000000.00", "level_top_up"),   # L3 rewarded, now L4: the difference
    ("L5", "3000000", "2000000.00", "level_top_up"),
    ("L5", "1000000", "4000000.00", "level_top_up"),
    ("L3", "3000000", "0.00", "level_top_up"),          # a lower level later: nothing back, nothing more
])
def test_level_reward_with_top_up(level, paid, amount, formula):
    result = r.level_reward(PINGSHAN, level, paid_before=paid)
    assert result.value == D(amount)
    assert result.formula == formula


def test_demonstration_grant():
    grant = r.parse_params("demonstration_grant", {"amount": p("1000000"), "max_share": p("0.5")})
    assert r.demonstration_grant(grant, "1000000").value == D("500000.00")
    assert r.demonstration_grant(grant, "2000000").value == D("1000000.00")
    assert r.demonstration_grant(grant, "5000000").capped


CHANGSHA = params("cs-open-call")


def test_open_call_award_and_milestones():
    assert r.open_call_award(CHANGSHA, "5000000").value == D("1500000.00")
    assert r.open_call_award(CHANGSHA, "10000000").value == D("2000000.00")
    award = D("1000000.01")
    parts = [r.open_call_payable(CHANGSHA, award, [code]).value for code in ("contract", "midterm", "acceptance")]
    assert parts == [D("300000.00"), D("300000.00"), D("400000.01")]  # the last takes the remainder
    assert r.open_call_payable(CHANGSHA, award, ["contract", "midterm", "acceptance"]).value == award
    assert r.open_call_payable(CHANGSHA, award, []).value == 0
    with pytest.raises(r.RuleError):
        r.open_call_payable(CHANGSHA, award, ["nope"])


# ─── parameter documents ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("instrument", "raw", "key"), [
    ("service_voucher", {"share": p("0.3"), "cap": p("100000")}, "missing_param"),
    ("service_voucher", {"share": p("1.3"), "cap": p("1"), "per_enterprise": p(1)}, "rate_range"),
    ("service_voucher", {"share": p("0.33333"), "cap": p("1"), "per_enterprise": p(1)}, "rate_decimals"),
    ("service_voucher", {"share": p("0.3"), "cap": p("100.001"), "per_enterprise": p(1)}, "too_many_decimals"),
    ("service_voucher", {"share": p("0.3"), "cap": p("-5"), "per_enterprise": p(1)}, "negative"),
    ("service_voucher", {"share": p("0.3"), "cap": p("0"), "per_enterprise": p(1)}, "not_positive"),
    ("service_voucher", {"share": p("0.3"), "cap": p("1e12"), "per_enterprise": p(1)}, "absurd_amount"),
    ("service_voucher", {"share": p(None, "P"), "cap": p("1"), "per_enterprise": p(1)}, "required"),
    ("service_voucher", {"share": p("0.3", "X"), "cap": p("1"), "per_enterprise": p(1)}, "bad_confidence"),
    ("service_voucher", {"share": p("0.3", "V", ""), "cap": p("1"), "per_enterprise": p(1)}, "source_required"),
    ("service_voucher", {"share": p("0.3", "V", "a\x00b"), "cap": p("1"), "per_enterprise": p(1)}, "nul_byte"),
    ("service_voucher", {"share": p("0.3"), "cap": p("1"), "per_enterprise": p(1), "x": p(1)}, "unknown_param"),
    ("post_hoc_reward", {"bands": p([])}, "bands_required"),
    ("post_hoc_reward", {"bands": p([{"lower": "5", "rate": "0.1"}])}, "bands_start_at_zero"),
    ("post_hoc_reward", {"bands": p([{"lower": "0", "upper": "10", "rate": "0.1"}])}, "bands_open_end"),
    ("post_hoc_reward", {"bands": p([{"lower": "0", "upper": "10", "rate": "0.1"},
                                     {"lower": "11", "rate": "0.1"}])}, "bands_contiguous"),
    ("open_call", {"rate": p("0.3"), "cap": p("1"),
                   "milestones": p([{"code": "a", "label": "A", "share": "0.5"}])}, "milestones_sum"),
    ("level_reward", {"standard": p("x"), "levels": p([{"level": "L3", "amount": "1"},
                                                       {"level": "L3", "amount": "2"}])}, "levels_duplicate"),
    ("nope", {}, "unknown_instrument"),
    ("service_voucher", [], "params_not_mapping"),
])
def test_bad_parameters_are_refused_with_a_key(instrument, raw, key):
    with pytest.raises(r.RuleError) as error:
        r.parse_params(instrument, raw)
    assert key in [problem.key for problem in error.value.problems]


def test_a_provisional_value_needs_no_source_but_stays_provisional():
    cloud = params("dg-cloud-voucher")
    assert cloud.values["share"].provisional
    assert not cloud.values["per_enterprise"].provisional


# ─── properties ──────────────────────────────────────────────────────────────────────────────

# The CPU is shared: generation may be slow, never the point of these tests.
props = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.decimals(min_value=0, max_value=r.MONEY_MAX, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
caps = st.decimals(min_value=D("0.01"), max_value=r.MONEY_MAX, places=2, allow_nan=False, allow_infinity=False)


@props
@given(share=rates, cap=caps, price=money)
def test_voucher_never_above_cap_nor_negative(share, cap, price):
    vp = r.parse_params("service_voucher", {"share": p(str(share)), "cap": p(str(cap)), "per_enterprise": p(1)})
    value = r.voucher(vp, str(price)).value
    assert D(0) <= value <= cap
    assert value <= price or price == 0 or value - price <= D("0.01")


@props
@given(a=money, b=money)
def test_longhua_monotone_and_bounded(a, b):
    low, high = sorted((a, b))
    x, y = r.post_hoc_reward(LONGHUA, str(low)).value, r.post_hoc_reward(LONGHUA, str(high)).value
    assert D(0) <= x <= y <= D("30000000")


@props
@given(rate=rates, cap=caps, a=money, b=money)
def test_single_band_reward_monotone_and_capped(rate, cap, a, b):
    single = r.parse_params("post_hoc_reward", {"bands": p([{"lower": "0", "rate": str(rate), "cap": str(cap)}])})
    low, high = sorted((a, b))
    x, y = r.post_hoc_reward(single, str(low)).value, r.post_hoc_reward(single, str(high)).value
    assert D(0) <= x <= y <= cap


@props
@given(first=rates, decline=rates, term=st.integers(1, 10), cap=caps,
       interests=st.lists(money, max_size=12))
def test_interest_subsidy_never_above_cap_nor_interest(first, decline, term, cap, interests):
    ip = r.parse_params("interest_subsidy", {"first_year_share": p(str(first)), "yearly_decline": p(str(decline)),
                                             "term_years": p(term), "cap": p(str(cap))})
    value = r.interest_subsidy(ip, [str(i) for i in interests]).value
    assert D(0) <= value <= cap
    assert value <= sum(interests, D(0)) + D("0.01") * len(interests)


@props
@given(paid=money, level=st.sampled_from(["L1", "L2", "L3", "L4", "L5", None]))
def test_level_reward_never_negative_nor_above_the_top(paid, level):
    value = r.level_reward(PINGSHAN, level, paid_before=str(paid)).value
    assert D(0) <= value <= D("5000000")


@props
@given(award=money, passed=st.sets(st.sampled_from(["contract", "midterm", "acceptance"])))
def test_open_call_payable_within_award(award, passed):
    value = r.open_call_payable(CHANGSHA, str(award), sorted(passed)).value
    assert D(0) <= value <= award


@props
@given(investment=money)
def test_open_call_award_within_cap(investment):
    assert D(0) <= r.open_call_award(CHANGSHA, str(investment)).value <= D("2000000")


# ─── eligibility ─────────────────────────────────────────────────────────────────────────────

TODAY = dt.date(2026, 6, 15)
RANKS = {"gbt39116-2020": {"none": 0, "L1": 1, "L2": 2, "L3": 3, "L4": 4, "L5": 5},
         "sme-2024": {"none": 0, "L1": 1, "L2": 2, "L3": 3, "L4": 4}}


def facts(**overrides):
    base = {"today": TODAY, "region_codes": ("440309", "440300", "440000"), "above_scale": True,
            "industry_section": "C", "industry_division": "39", "cluster": "electronics",
            "established_year": 2010, "level_ranks": RANKS,
            "assessments": {"gbt39116-2020": r.AssessmentFact("gbt39116-2020", "L3", 3, D("3.1"),
                                                              dt.date(2026, 1, 10), True)}}
    return r.Facts(**(base | overrides))


def judge(condition, **overrides):
    outcome = r.evaluate(r.parse_conditions([condition]), facts(**overrides))
    for name in ("met", "unmet", "to_check"):
        if getattr(outcome, name):
            return name, getattr(outcome, name)[0].key
    raise AssertionError("no outcome")


@pytest.mark.parametrize(("condition", "overrides", "outcome", "key"), [
    ({"kind": "region", "values": ["440300"]}, {}, "met", "region_met"),
    ({"kind": "region", "values": ["441900"]}, {}, "unmet", "region_unmet"),
    ({"kind": "above_scale"}, {}, "met", "above_scale_met"),
    ({"kind": "above_scale"}, {"above_scale": False}, "unmet", "above_scale_unmet"),
    ({"kind": "industry", "values": ["C"]}, {}, "met", "industry_met"),
    ({"kind": "industry", "values": ["39"]}, {"industry_section": "X"}, "met", "industry_met"),
    ({"kind": "industry", "values": ["I"]}, {}, "unmet", "industry_unmet"),
    ({"kind": "cluster", "values": ["electronics"]}, {}, "met", "cluster_met"),
    ({"kind": "cluster", "values": ["electronics"]}, {"cluster": ""}, "unmet", "cluster_unmet"),
    ({"kind": "min_level", "standard": "gbt39116-2020", "level": "L3"}, {}, "met", "min_level_met"),
    ({"kind": "min_level", "standard": "gbt39116-2020", "level": "L4"}, {}, "unmet", "min_level_unmet"),
    ({"kind": "min_level", "standard": "gbt39116-2020", "level": "L9"}, {}, "to_check", "min_level_unknown"),
    ({"kind": "min_level", "standard": "sme-2024", "level": "L2"}, {}, "unmet", "no_assessment"),
    ({"kind": "min_score", "standard": "gbt39116-2020", "score": "3.1"}, {}, "met", "min_score_met"),
    ({"kind": "min_score", "standard": "gbt39116-2020", "score": "3.11"}, {}, "unmet", "min_score_unmet"),
    ({"kind": "recent_diagnosis", "months": 6}, {}, "met", "recent_diagnosis_met"),          # 5 months old
    ({"kind": "recent_diagnosis", "months": 5}, {}, "unmet", "recent_diagnosis_unmet"),      # exactly 5
    ({"kind": "recent_diagnosis", "months": 5}, {"today": dt.date(2026, 6, 9)}, "met", "recent_diagnosis_met"),
    ({"kind": "recent_diagnosis", "months": 12, "standard": "sme-2024"}, {}, "unmet", "no_assessment"),
    ({"kind": "min_age", "years": 1}, {}, "met", "min_age_met"),
    ({"kind": "min_age", "years": 1}, {"established_year": 2026}, "unmet", "min_age_unmet"),
    ({"kind": "min_age", "years": 1}, {"established_year": None}, "to_check", "min_age_unknown"),
    ({"kind": "pool_provider"}, {}, "to_check", "pool_provider_to_check"),
    ({"kind": "pool_provider"}, {"has_pool_provider": True}, "met", "pool_provider_met"),
    ({"kind": "pool_provider"}, {"has_pool_provider": False}, "unmet", "pool_provider_unmet"),
    ({"kind": "once_per_year"}, {}, "to_check", "once_per_year_to_check"),
    ({"kind": "once_per_year"}, {"awards_this_year": 0}, "met", "once_per_year_met"),
    ({"kind": "once_per_year"}, {"awards_this_year": 1}, "unmet", "once_per_year_unmet"),
    ({"kind": "once_per_enterprise"}, {"awards_ever": 2}, "unmet", "once_per_enterprise_unmet"),
    ({"kind": "attestation", "text": "项目已纳入统计"}, {}, "to_check", "attestation"),
])
def test_eligibility_table(condition, overrides, outcome, key):
    assert judge(condition, **overrides) == (outcome, key)


def test_evaluate_keeps_order_and_eligible_means_nothing_unmet():
    result = r.evaluate(r.parse_conditions(seed("ps-cmmm-level-reward")["conditions"]),
                        facts(region_codes=("440310", "440300", "440000")))
    assert result.eligible and [m.kind for m in result.met] == ["region", "min_level"]
    result = r.evaluate(r.parse_conditions(seed("ps-cmmm-level-reward")["conditions"]), facts())
    assert not result.eligible and result.unmet[0].kind == "region"


@pytest.mark.parametrize(("raw", "key"), [
    ({}, "conditions_not_list"),
    ([{"kind": "bogus"}], "unknown_condition"),
    (["region"], "unknown_condition"),
    ([{"kind": "region", "values": []}], "values_required"),
    ([{"kind": "region", "values": ["44\x0003"]}], "nul_byte"),
    ([{"kind": "min_score", "standard": "x", "score": "-1"}], "score_range"),
    ([{"kind": "recent_diagnosis", "months": 0}], "int_range"),
    ([{"kind": "attestation", "text": ""}], "required"),
    ([{"kind": "above_scale"}] * 41, "too_many_conditions"),
])
def test_bad_conditions(raw, key):
    with pytest.raises(r.RuleError) as error:
        r.parse_conditions(raw)
    assert key in [problem.key for problem in error.value.problems]


@props
@given(amount=caps, share=rates, investment=money)
def test_demonstration_grant_within_amount_and_share(amount, share, investment):
    grant = r.parse_params("demonstration_grant", {"amount": p(str(amount)), "max_share": p(str(share))})
    value = r.demonstration_grant(grant, str(investment)).value
    assert D(0) <= value <= amount
    assert value <= r.round_money(share * investment)
