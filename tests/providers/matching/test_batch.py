"""The batch path (``rank_many``: scenes, corrections, latest assessments and the net price's reads
done once for the batch) gives exactly the matches of ranking each enterprise alone: same
solutions, ranks, scores, components and explanations, on a sample of firms weak in different
places, in different regions, with and without vouchers, approved with corrections or not."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diagnosis.models import Assessment, ItemCorrection
from diagnosis.spec import get_spec
from providers.matching import extensions
from providers.matching.selectors import clear_catalog, rank_for_enterprise, rank_many
from subsidies.precheck import net_price
from tests.diagnosis.answers import full_answers, worst_answer
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, ProviderFactory, region
from tests.factories.providers import new_key, profile_document, published_profile
from tests.subsidies.factories import programme_from_seed

pytestmark = pytest.mark.django_db
SPEC = "sme-2024@1.0"


@pytest.fixture(autouse=True)
def _fresh_catalog():
    saved = extensions.net_price_fn(), extensions.outcome_ratings_fn()
    clear_catalog()
    yield
    clear_catalog()
    extensions.register_net_price(saved[0])
    extensions.register_outcome_ratings(saved[1])


def _solution(rng, codes):
    categories = rng.sample(["smart_manufacturing", "digital_management", "networked_collaboration", "service_extension"], 2)
    return {"key": new_key(), "title": f"方案{rng.randrange(10_000)}", "summary": "", "categories": categories,
            "items": [{"spec": "sme-2024", "item": i} for i in rng.sample(codes, rng.randrange(0, 4))],
            "industries": rng.sample(["39", "34", "35"], 1), "areas": rng.sample(["software", "network_5g", "data", "cloud"], 2),
            "price_min": rng.choice([None, "5.00", "20.00", "80.00", "500.00"]), "price_max": None,
            "delivery_days": 30, "light": rng.random() < 0.2}


def _sample(seed: int):
    rng = random.Random(seed)
    spec = get_spec(SPEC)
    codes = sorted(code for code in full_answers(spec, best=True) if code in spec.items)
    for _ in range(6):
        provider = ProviderFactory()
        published_profile(provider, document=profile_document(
            solutions=[_solution(rng, codes) for _ in range(rng.randrange(1, 4))]))
    pairs = []
    regions = ["440309", "440309", "440304", "441900"]  # Longhua, Futian (Shenzhen); Dongguan
    for k in range(8):
        enterprise = EnterpriseFactory(region=region(regions[k % len(regions)]),
                                       park=region("440309P01") if k == 4 else None,
                                       industry_division=rng.choice(["39", "34", ""]))
        worse = {code: worst_answer(spec.items[code]) for code in rng.sample(codes, rng.randrange(3, 15))}
        assessment = scored_assessment(enterprise, answers=worse, best=True)
        if k == 3:  # approved, with a verified result and a correction laid over the answers
            verified = scored_assessment(EnterpriseFactory(), answers=worse | {
                code: worst_answer(spec.items[code]) for code in codes[:5]}, best=True)
            Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.APPROVED,
                                                               verified_result=verified.result)
            code = next(c for c in codes if worst_answer(spec.items[c]) is not None)
            ItemCorrection.objects.create(assessment=assessment, item_code=code,
                                          verified_value=worst_answer(spec.items[code]),
                                          declared_value=None, reason="复核", corrected_by=assessment.created_by)
            assessment.refresh_from_db()
        pairs.append((enterprise, None if k % 3 == 2 else assessment))
    pairs.append((EnterpriseFactory(), None))  # no assessment at all
    return pairs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_gives_the_same_matches_as_one_by_one(seed, city_staff):
    programme_from_seed("sz-service-voucher", creator=city_staff)  # Shenzhen's firms only
    extensions.register_net_price(net_price.net_prices)
    pairs = _sample(seed)

    batch = rank_many(pairs, limit=6)
    alone = {e.pk: rank_for_enterprise(e, assessment=a, limit=6) for e, a in pairs}

    assert set(batch) == set(alone)
    for enterprise, _assessment in pairs:
        got, want = batch[enterprise.pk], alone[enterprise.pk]
        assert [(m.rank, m.solution_id, m.score, m.explanation) for m in got] == \
            [(m.rank, m.solution_id, m.score, m.explanation) for m in want]
        assert got == want  # every field, components included
    matched = [m for matches in batch.values() for m in matches]
    assert matched and batch[pairs[-1][0].pk] == []
    assert any(m.net_price is not None for m in matched)  # a voucher was counted …
    assert any(m.net_price is None and m.gross_price is not None for m in matched)  # … and not everywhere


def test_batch_net_price_reads_do_not_grow_with_enterprises(city_staff):
    programme_from_seed("sz-service-voucher", creator=city_staff)
    rng = random.Random(7)
    spec = get_spec(SPEC)
    codes = sorted(code for code in full_answers(spec, best=True) if code in spec.items)
    published_profile(ProviderFactory(), document=profile_document(solutions=[_solution(rng, codes)]))
    extensions.register_net_price(net_price.net_prices)

    def pairs(n):
        found = []
        for _ in range(n):
            enterprise = EnterpriseFactory()
            found.append((enterprise, scored_assessment(enterprise, best=False)))
        return found

    few_pairs, many_pairs = pairs(2), pairs(6)
    rank_many(few_pairs)  # warm the caches kept across rankings (catalogue, weights)
    with CaptureQueriesContext(connection) as few:
        rank_many(few_pairs)
    with CaptureQueriesContext(connection) as many:
        rank_many(many_pairs)
    assert len(many) == len(few)


def test_prepared_net_prices_equal_one_by_one(city_staff):
    for code in ("sz-service-voucher", "dg-cloud-voucher"):
        programme_from_seed(code, creator=city_staff)

    class Solution:
        def __init__(self, pk, price):
            self.id, self.price_min = pk, price

    from decimal import Decimal

    solutions = [Solution(1, Decimal("20.00")), Solution(2, None), Solution(3, Decimal("0.50")),
                 Solution(4, Decimal("999999.00"))]
    enterprises = [EnterpriseFactory(region=region(code)) for code in ("440309", "441900", "440304")]
    enterprises.append(EnterpriseFactory(region=region("440309"), above_scale=False))
    enterprises.append(EnterpriseFactory(region=region("440309"), park=region("440309P01")))
    priced = net_price.net_prices.prepare(enterprises)
    for enterprise in enterprises:
        assert priced(enterprise, solutions) == net_price.net_prices(enterprise, solutions)
    outside = EnterpriseFactory()
    assert priced(outside, solutions) == net_price.net_prices(outside, solutions)
    assert any(priced(e, solutions) for e in enterprises)
