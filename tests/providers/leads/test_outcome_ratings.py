"""outcome_ratings() over the database: accepted engagements re-assessed after acceptance against
peers who engaged nobody; shown on the provider's portrait with n and confidence, hidden below 3."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from providers.leads import selectors, services
from providers.models import Lead
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    selectors.forget_outcome_ratings()
    yield
    selectors.forget_outcome_ratings()


def _ago(days):
    return timezone.now() - dt.timedelta(days=days)


def _peers(count):
    for _n in range(count):
        firm = EnterpriseFactory()
        scored_assessment(firm, best=False, when=_ago(400))
        scored_assessment(firm, best=False, when=_ago(10))


def _engagement(solution, *, reassess=True, withdraw=False):
    firm = EnterpriseFactory()
    owner = MembershipFactory(enterprise=firm, role="owner").user
    t0 = scored_assessment(firm, user=owner, best=False, when=_ago(400))
    lead = services.request_lead(actor=owner, assessment=t0, solution=solution, consent=True)
    Lead.objects.filter(pk=lead.pk).update(stage="accepted", accepted_on=timezone.localdate() - dt.timedelta(days=200),
                                           contract_on=timezone.localdate() - dt.timedelta(days=300))
    if reassess:
        scored_assessment(firm, user=owner, best=True, when=_ago(10))
    if withdraw:
        Lead.objects.filter(pk=lead.pk).update(withdrawn_at=timezone.now(), withdrawn_by=owner)
    return lead


def test_three_measured_engagements_are_rated(solution, pool_provider):
    _peers(3)
    for _n in range(3):
        _engagement(solution)
    ratings = selectors.outcome_ratings()
    overall = ratings[(pool_provider.pk, None)]
    assert overall.n == 3 and overall.peer_uplift == 0 and overall.excess > 0
    assert overall.confidence == "low"
    for area in solution.areas.strip(",").split(","):
        assert ratings[(pool_provider.pk, area)].n == 3


def test_below_three_or_unmeasured_nothing_is_shown(solution, pool_provider):
    _peers(3)
    _engagement(solution)
    _engagement(solution)
    _engagement(solution, reassess=False)  # no re-assessment after acceptance
    _engagement(solution, withdraw=True)  # consent withdrawn: not counted
    assert selectors.outcome_ratings() == {}


def test_without_peers_nothing_is_measured(solution):
    for _n in range(3):
        _engagement(solution)
    assert selectors.compute_outcome_ratings() == {}


def test_portrait_shows_the_rating_with_n_and_confidence(client, solution, pool_provider):
    _peers(3)
    for _n in range(3):
        _engagement(solution)
    page = client.get(reverse("providers:portrait", args=[pool_provider.pk]))
    assert page.status_code == 200
    rows = page.context["outcome_ratings"]
    assert rows[0][0] == "" and rows[0][1].n == 3
    body = page.content.decode()
    assert 'id="outcome-rating"' in body and reverse("providers:outcome-method") in body


def test_portrait_without_a_rating_says_so(client, pool_provider):
    page = client.get(reverse("providers:portrait", args=[pool_provider.pk]))
    assert page.status_code == 200 and page.context["outcome_ratings"] == []


def test_acceptance_clears_the_cached_ratings(django_capture_on_commit_callbacks, owner, provider_owner, lead):
    selectors.outcome_ratings()
    Lead.objects.filter(pk=lead.pk).update(stage="delivered", delivered_on=timezone.localdate())
    lead.refresh_from_db()
    from django.core.cache import cache

    assert cache.get(selectors.RATINGS_CACHE_KEY) is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(actor=owner, lead=lead, side="enterprise", action="accept",
                            expected_version=lead.state_version)
    assert cache.get(selectors.RATINGS_CACHE_KEY) is None


def test_method_page_is_public(client):
    assert client.get(reverse("providers:outcome-method")).status_code == 200
