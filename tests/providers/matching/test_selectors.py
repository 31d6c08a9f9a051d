"""rank_for_enterprise / rank_many over the published listing tables: real rows in, matches out,
a fixed number of queries whatever the number of providers."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.matching import extensions
from providers.matching.selectors import clear_catalog, rank_for_enterprise, rank_many
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, ProviderFactory
from tests.factories.providers import new_key, profile_document, published_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_catalog():
    clear_catalog()
    yield
    clear_catalog()
    extensions.register_net_price(None)
    extensions.register_outcome_ratings(None)


def _solution(title, *, categories=("smart_manufacturing",), items=(), areas=("software",), price="20.00"):
    return {"key": new_key(), "title": title, "summary": "", "categories": list(categories),
            "items": [{"spec": "sme-2024", "item": i} for i in items], "industries": ["39"],
            "areas": list(areas), "price_min": price, "price_max": None, "delivery_days": 30, "light": False}


def _provider(*solutions):
    provider = ProviderFactory()
    published_profile(provider, document=profile_document(solutions=list(solutions)))
    return provider


def test_weak_enterprise_gets_ranked_matches_with_explanations():
    enterprise = EnterpriseFactory()
    assessment = scored_assessment(enterprise, best=False)
    specific = _provider(_solution("设备联网方案", categories=("smart_manufacturing", "digital_management"),
                                  items=("network", "device-digitisation")))
    general = _provider(_solution("通用管理软件", categories=("digital_management",)))

    matches = rank_for_enterprise(enterprise, assessment=assessment)

    assert [m.provider_id for m in matches] == [specific.pk, general.pk]
    top = matches[0]
    assert top.score == sum(c.contribution for c in top.components)
    assert set(top.scene_codes) == {"network", "device-digitisation"}
    assert "未测算补贴" in top.explanation


def test_no_scored_assessment_no_matches():
    enterprise = EnterpriseFactory()
    _provider(_solution("设备联网方案"))
    assert rank_for_enterprise(enterprise) == []


def test_net_price_extension_is_used_and_said():
    enterprise = EnterpriseFactory()
    scored_assessment(enterprise, best=False)
    _provider(_solution("设备联网方案", items=("device-digitisation",), price="500.00"))
    extensions.register_net_price(lambda ent, sols: {s.id: Decimal("10.00") for s in sols})
    (match,) = rank_for_enterprise(enterprise)
    assert match.net_price == Decimal("10.00")
    assert "补贴后净价" in match.explanation
    price = next(c for c in match.components if c.code == "price")
    assert price.share == 1


def test_queries_do_not_grow_with_providers():
    enterprises = [EnterpriseFactory() for _ in range(3)]
    pairs = [(e, scored_assessment(e, best=False)) for e in enterprises]
    for n in range(2):
        _provider(_solution(f"方案{n}", items=("device-digitisation",)))
    with CaptureQueriesContext(connection) as few:
        rank_many(pairs)
    clear_catalog()
    for n in range(6):
        _provider(_solution(f"更多方案{n}", items=("device-digitisation",)))
    with CaptureQueriesContext(connection) as many:
        ranked = rank_many(pairs)
    assert len(many) == len(few)
    assert all(len(ranked[e.pk]) == 8 for e in enterprises)


def test_provider_ids_limit_the_supply():
    enterprise = EnterpriseFactory()
    scored_assessment(enterprise, best=False)
    first = _provider(_solution("方案甲", items=("device-digitisation",)))
    _provider(_solution("方案乙", items=("device-digitisation",)))
    matches = rank_for_enterprise(enterprise, provider_ids=[first.pk])
    assert {m.provider_id for m in matches} == {first.pk}

