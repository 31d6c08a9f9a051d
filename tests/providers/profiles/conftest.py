"""Personas for the profiles feature: the provider's owner and a viewer teammate, the owner of
another provider, staff of the provider's district and of another district."""

import pytest

from tests.factories.portal import MembershipFactory, ProviderFactory, region


@pytest.fixture
def provider(db):
    return ProviderFactory(region=region("440309"))


@pytest.fixture
def provider_owner(provider):
    return MembershipFactory(provider=provider, role="owner").user


@pytest.fixture
def provider_viewer(provider):
    return MembershipFactory(provider=provider, role="viewer").user


@pytest.fixture
def other_provider_owner(db):
    return MembershipFactory(provider=ProviderFactory(region=region("440306")), role="owner").user
