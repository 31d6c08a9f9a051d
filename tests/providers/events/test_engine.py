"""The pairing job with the real matching engine (providers.matching): suggestions come from the
invited providers only, carry the engine's explanation and the solution's stable key, and a
second run changes nothing."""

import pytest

from providers.matching.selectors import clear_catalog
from providers.models import EventParticipant, EventProvider, ListingSolution, Pairing
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, ProviderFactory
from tests.factories.providers import member_of, new_key, profile_document, published_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_catalog():
    clear_catalog()
    yield
    clear_catalog()


def _solution(title, *, categories=("smart_manufacturing", "digital_management"), items=("network",)):
    return {"key": new_key(), "title": title, "summary": "", "categories": list(categories),
            "items": [{"spec": "sme-2024", "item": i} for i in items], "industries": ["39"],
            "areas": ["software"], "price_min": "20.00", "price_max": None, "delivery_days": 30, "light": False}


def _pool_provider(pool, title):
    provider = ProviderFactory()
    published_profile(provider, document=profile_document(solutions=[_solution(title)]))
    member_of(pool, provider=provider, due_days_ago=-100)
    return provider


def test_job_ranks_with_the_engine_among_invited_providers(event, pool, district_staff,
                                                           django_capture_on_commit_callbacks):
    from providers.events import services

    invited = [_pool_provider(pool, f"设备联网方案{i}") for i in range(2)]
    outsider = _pool_provider(pool, "不在名单上的方案")  # in the pool, not invited
    firms = [EnterpriseFactory() for _i in range(3)]
    for firm in firms:
        scored_assessment(firm, best=False)
        EventParticipant.objects.create(event=event, enterprise=firm, invited_by=district_staff)
    for provider in invited:
        EventProvider.objects.create(event=event, provider=provider, invited_by=district_staff,
                                     member=provider.pool_memberships.get())
    with django_capture_on_commit_callbacks(execute=True):
        job = services.pairing_request(event=event, actor=district_staff)
    job.refresh_from_db()
    assert job.status == "done", job.error
    pairings = list(Pairing.objects.filter(event=event).order_by("enterprise_id", "rank"))
    assert len(pairings) == 3 * 2
    assert {p.provider_id for p in pairings} == {p.pk for p in invited} and outsider.pk not in {
        p.provider_id for p in pairings}
    keys = set(ListingSolution.objects.filter(listing__provider__in=invited).values_list("key", flat=True))
    assert {p.solution_key for p in pairings} <= keys
    assert all(p.explanation.startswith("匹配得分") and p.score > 0 for p in pairings)
    snapshot = list(Pairing.objects.order_by("pk").values_list("pk", "solution_key", "score", "rank"))
    with django_capture_on_commit_callbacks(execute=True):
        services.pairing_request(event=event, actor=district_staff)
    assert list(Pairing.objects.order_by("pk").values_list("pk", "solution_key", "score", "rank")) == snapshot
