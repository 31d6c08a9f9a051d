"""A provider in Longhua's district pool with a published solution, the enterprise's scored
assessment, and the other side's personas (the provider's owner and viewer, another provider)."""

import pytest

from providers.models import ListingSolution
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import MembershipFactory, ProviderFactory
from tests.factories.providers import applicant, member_of, open_pool


@pytest.fixture
def pool(db):
    return open_pool(region_code="440309")


@pytest.fixture
def pool_provider(pool):
    provider, owner = applicant()
    member_of(pool, provider=provider, due_days_ago=-100)
    provider.owner = owner
    return provider


@pytest.fixture
def provider_owner(pool_provider):
    return pool_provider.owner


@pytest.fixture
def provider_viewer(pool_provider):
    return MembershipFactory(provider=pool_provider, enterprise=None, role="viewer").user


@pytest.fixture
def solution(pool_provider):
    return ListingSolution.objects.filter(listing__provider=pool_provider).first()


@pytest.fixture
def other_provider_owner(db):
    provider, owner = applicant(ProviderFactory())
    return owner


@pytest.fixture
def outside_solution(db):
    """A published solution of a provider in no pool."""
    provider, _owner = applicant()
    return ListingSolution.objects.filter(listing__provider=provider).first()


@pytest.fixture
def assessment(enterprise, owner):
    return scored_assessment(enterprise, user=owner, best=False)


@pytest.fixture
def other_owner_viewer(enterprise):
    return MembershipFactory(enterprise=enterprise, role="viewer").user


@pytest.fixture
def lead(assessment, solution, owner):
    from providers.leads import services

    return services.request_lead(actor=owner, assessment=assessment, solution=solution, consent=True)
