"""The pure matching engine: component shares (table), the explanation adds up, deterministic order,
weights validation, and two properties — adding a capability never lowers a score, and the order
does not depend on the order of the input."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.matching.engine import (
    COMPONENT_CODES,
    Catalog,
    EnterpriseFacts,
    ProviderFacts,
    SolutionFacts,
    WeightsError,
    best_per_provider,
    default_weights,
    make_weights,
    parse_points,
    rank,
)
from providers.matching.scenes import Scene
from providers.taxonomy import CAPABILITY_CODES

ENTERPRISE = EnterpriseFacts(id=1, division="39", division_title="39 电子", region_path="440000/440300/440309/",
                             revenue_band="20m_400m")


def scene(code, category="smart_manufacturing", areas=("software",), weight="1", ancestors=()):
    return Scene(spec_code="sme-2024", code=code, title=f"环节{code}", category=category, areas=tuple(areas),
                 gap=Decimal("0.5"), priority_factor=Decimal(0), roadmap_rank=None, weight=Decimal(weight),
                 provisional=True, source="test", ancestors=tuple(ancestors))


SCENES = (scene("a", areas=("software", "integration"), weight="2", ancestors=("dim",)),
          scene("b", category="digital_management", areas=("consulting",)))


def provider(pid, **fields):
    return ProviderFacts(id=pid, name=f"服务商{pid}", region_path=fields.pop("region_path", "440000/440300/440305/"),
                         **fields)


def solution(sid, pid, **fields):
    fields.setdefault("categories", frozenset({"smart_manufacturing"}))
    return SolutionFacts(id=sid, provider_id=pid, title=f"方案{sid}", **fields)


def shares(match):
    return {c.code: c.share for c in match.components}


def test_component_shares_table():
    catalog = Catalog(
        providers={7: provider(7, levels={"software": 5, "integration": 2}, clients={"39": 2}, pool_tier="city",
                               region_path="440000/440300/440309/")},
        solutions=(solution(1, 7, categories=frozenset({"smart_manufacturing", "digital_management"}),
                            items=frozenset({("sme-2024", "a")}), areas=frozenset({"software"}),
                            price_min=Decimal("300")),))
    (match,) = rank(ENTERPRISE, SCENES, catalog)
    got = shares(match)
    # scene weights: a = 2, b = 1 (total 3); areas: software 2, integration 2, consulting 1 (total 5)
    assert got["need"] == Decimal("1")
    assert got["scenario"] == Decimal("0.6666")
    assert got["area"] == Decimal("0.4")
    assert got["capability"] == Decimal("0.56")  # (2×5 + 2×2) / (5 × 5)
    assert got["outcome"] == 0
    assert got["industry"] == Decimal("0.6666")  # 2 of 3 clients
    assert got["pool"] == Decimal("0.8")
    assert got["region"] == 1
    assert got["price"] == Decimal("0.5")  # budget 150 of price 300
    assert match.score == sum(c.contribution for c in match.components)
    assert match.score == Decimal("20.00") + Decimal("13.33") + Decimal("4.00") + Decimal("8.40") + Decimal("5.33") \
        + Decimal("5.60") + Decimal("5.00") + Decimal("2.50")


@pytest.mark.parametrize(("path", "services", "expected"), [
    ("440000/440300/440309/", frozenset(), Decimal(1)),
    ("440000/440300/440305/", frozenset({"440309"}), Decimal("0.8")),
    ("440000/440300/440305/", frozenset(), Decimal("0.6")),
    ("440000/440100/440106/", frozenset(), Decimal("0.3")),
    ("110000/110100/110105/", frozenset(), Decimal(0)),
    ("440000/440300/", frozenset(), Decimal("0.6")),
])
def test_region_share(path, services, expected):
    catalog = Catalog({7: provider(7, region_path=path, service_regions=services)}, (solution(1, 7),))
    (match,) = rank(ENTERPRISE, SCENES, catalog)
    assert shares(match)["region"] == expected


def test_a_solution_naming_a_dimension_addresses_the_scenes_below_it():
    catalog = Catalog({7: provider(7)}, (solution(1, 7, categories=frozenset(), items=frozenset({("sme-2024", "dim")})),))
    (match,) = rank(ENTERPRISE, SCENES, catalog)
    assert match.scene_codes == ("a",)
    assert shares(match)["scenario"] == Decimal("0.6666")


def test_irrelevant_solutions_and_no_scenes_give_no_matches():
    catalog = Catalog({7: provider(7)}, (solution(1, 7, categories=frozenset({"service_extension"})),))
    assert rank(ENTERPRISE, SCENES, catalog) == ()
    assert rank(ENTERPRISE, (), Catalog({7: provider(7)}, (solution(2, 7),))) == ()


def test_outcome_rating_counts_and_missing_rating_is_explained():
    catalog = Catalog({7: provider(7), 8: provider(8)}, (solution(1, 7), solution(2, 8)))
    matches = rank(ENTERPRISE, SCENES, catalog, outcomes={(8, "software"): Decimal("0.9"), (7, "software"): None})
    assert [m.solution_id for m in matches] == [2, 1]
    assert shares(matches[0])["outcome"] == Decimal("0.36")  # 2 × 0.9 / 5
    assert "暂无按实测成效的评分" in matches[1].explanation


def test_gross_price_unless_net_given_and_said():
    catalog = Catalog({7: provider(7)}, (solution(1, 7, price_min=Decimal("300")),))
    (gross,) = rank(ENTERPRISE, SCENES, catalog)
    (net,) = rank(ENTERPRISE, SCENES, catalog, net_prices=lambda sols: {s.id: Decimal("100") for s in sols})
    assert gross.net_price is None and "未测算补贴，按标价计" in gross.explanation
    assert net.net_price == Decimal("100") and "补贴后净价 100.00 万元" in net.explanation
    assert shares(net)["price"] == 1 and net.score > gross.score
    (unpriced,) = rank(ENTERPRISE, SCENES, Catalog({7: provider(7)}, (solution(1, 7),)))
    assert shares(unpriced)["price"] == Decimal("0.5") and "未标价" in unpriced.explanation


def test_ties_break_on_solution_id_and_limit_applies():
    catalog = Catalog({7: provider(7)}, tuple(solution(i, 7) for i in (5, 3, 9, 1)))
    matches = rank(ENTERPRISE, SCENES, catalog, limit=3)
    assert [m.solution_id for m in matches] == [1, 3, 5]
    assert [m.rank for m in matches] == [1, 2, 3]
    assert len(best_per_provider(matches)) == 1


def test_weights_change_the_order():
    catalog = Catalog({7: provider(7, pool_tier="province"), 8: provider(8, clients={"39": 5})},
                      (solution(1, 7), solution(2, 8)))
    points = dict.fromkeys(COMPONENT_CODES, 0)
    pool_heavy = make_weights("t1", {**points, "need": 50, "pool": 50})
    industry_heavy = make_weights("t2", {**points, "need": 50, "industry": 50})
    assert rank(ENTERPRISE, SCENES, catalog, pool_heavy)[0].solution_id == 1
    assert rank(ENTERPRISE, SCENES, catalog, industry_heavy)[0].solution_id == 2
    assert rank(ENTERPRISE, SCENES, catalog, industry_heavy)[0].weights_version == "t2"


@pytest.mark.parametrize(("raw", "code"), [
    ({}, "missing"),
    ({**dict.fromkeys(COMPONENT_CODES, 10), "extra": 1}, "unknown"),
    ({**dict.fromkeys(COMPONENT_CODES, 10)}, "sum"),
    ({**dict.fromkeys(COMPONENT_CODES, 0), "need": 101, "price": -1}, "range"),
    ({**dict.fromkeys(COMPONENT_CODES, 0), "need": "abc"}, "not_number"),
    ({**dict.fromkeys(COMPONENT_CODES, 0), "need": "NaN"}, "not_number"),
    ({**dict.fromkeys(COMPONENT_CODES, 0), "need": "99.999", "price": "0.001"}, "places"),
    ("need=100", "shape"),
])
def test_bad_weights_are_refused_with_a_code(raw, code):
    with pytest.raises(WeightsError) as error:
        parse_points(raw)
    assert error.value.code == code


def test_default_weights_add_up_to_100():
    assert sum(default_weights().points.values()) == 100


# ─── Properties ──────────────────────────────────────────────────────────────────────────────

areas = st.sets(st.sampled_from(CAPABILITY_CODES), max_size=4)
levels = st.dictionaries(st.sampled_from(CAPABILITY_CODES), st.integers(1, 5), max_size=5)
providers_st = st.lists(st.tuples(levels, st.integers(0, 5),
                                  st.sampled_from(["", "district", "city", "province"])), min_size=1, max_size=5)
solutions_st = st.lists(
    st.tuples(st.integers(0, 4), st.sets(st.sampled_from(["smart_manufacturing", "digital_management",
                                                         "platform_design"]), min_size=1),
              areas, st.sets(st.sampled_from(["a", "b", "c", "dim"])),
              st.one_of(st.none(), st.decimals(1, 1000, places=2))),
    min_size=1, max_size=12)
scenes_st = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["smart_manufacturing",
                                                                                 "digital_management"]),
                               st.sets(st.sampled_from(CAPABILITY_CODES), min_size=1, max_size=3),
                               st.decimals("0.1", "3", places=2)),
                     min_size=1, max_size=3, unique_by=lambda t: t[0])


def build(provider_rows, solution_rows):
    providers = {i: provider(i, levels=lv, clients={"39": c}, pool_tier=t)
                 for i, (lv, c, t) in enumerate(provider_rows)}
    solutions = tuple(solution(i + 1, p % len(providers), categories=frozenset(cats), areas=frozenset(ar),
                               items=frozenset(("sme-2024", x) for x in items), price_min=price)
                      for i, (p, cats, ar, items, price) in enumerate(solution_rows))
    return Catalog(providers, solutions)


def make_scenes(rows):
    return tuple(scene(code, category, tuple(sorted(ar)), str(w), ancestors=("dim",)) for code, category, ar, w in rows)


@settings(max_examples=150, deadline=None)
@given(providers_st, solutions_st, scenes_st, st.sampled_from(CAPABILITY_CODES), st.integers(1, 5),
       st.sampled_from(CAPABILITY_CODES))
def test_adding_a_capability_never_lowers_a_score(provider_rows, solution_rows, scene_rows, area, level, sol_area):
    catalog = build(provider_rows, solution_rows)
    scenes = make_scenes(scene_rows)
    before = {m.solution_id: m.score for m in rank(ENTERPRISE, scenes, catalog, limit=100)}
    target = catalog.providers[0]
    improved = replace(target, levels={**target.levels, area: max(level, target.levels.get(area, 0))})
    widened = tuple(replace(s, areas=s.areas | {sol_area}) if s.provider_id == 0 else s for s in catalog.solutions)
    after_provider = {m.solution_id: m.score
                      for m in rank(ENTERPRISE, scenes, Catalog({**catalog.providers, 0: improved}, catalog.solutions),
                                    limit=100)}
    after_solution = {m.solution_id: m.score
                      for m in rank(ENTERPRISE, scenes, Catalog(catalog.providers, widened), limit=100)}
    for solution_id, score in before.items():
        assert after_provider[solution_id] >= score
        assert after_solution[solution_id] >= score


@settings(max_examples=150, deadline=None)
@given(providers_st, solutions_st, scenes_st, st.randoms(use_true_random=False))
def test_order_is_stable_under_input_permutation(provider_rows, solution_rows, scene_rows, rnd):
    catalog = build(provider_rows, solution_rows)
    scenes = make_scenes(scene_rows)
    first = rank(ENTERPRISE, scenes, catalog, limit=5)
    solutions, shuffled_scenes = list(catalog.solutions), list(scenes)
    rnd.shuffle(solutions)
    rnd.shuffle(shuffled_scenes)
    providers = dict(sorted(catalog.providers.items(), key=lambda kv: rnd.random()))
    again = rank(ENTERPRISE, tuple(shuffled_scenes), Catalog(providers, tuple(solutions)), limit=5)
    assert [(m.solution_id, m.score) for m in first] == [(m.solution_id, m.score) for m in again]
    assert first == again
    everything = rank(ENTERPRISE, scenes, catalog, limit=100)
    # The order ranked on is the order of the scores shown (ties: lower solution id first).
    assert [m.solution_id for m in everything] == [m.solution_id for m in
                                                   sorted(everything, key=lambda m: (-m.score, m.solution_id))]
    assert list(first) == [replace(m) for m in everything[:5]]


def test_demo_weights_are_valid():
    from providers.demo import DEMO_WEIGHTS

    assert sum(parse_points(DEMO_WEIGHTS).values()) == 100
