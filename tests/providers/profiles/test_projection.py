"""Publishing projects the document into the listing tables; a new version replaces the listing."""

import pytest

from providers.models import CaseConfirmation, Listing, ListingApp, SolutionItem
from tests.factories.portal import EnterpriseFactory, ProviderFactory
from tests.factories.providers import profile_document, published_profile

pytestmark = pytest.mark.django_db


def test_published_profile_is_projected():
    provider = ProviderFactory()
    published_profile(provider)
    listing = Listing.objects.get(provider=provider)
    assert listing.app_count == 1 and listing.solution_count == 1
    assert ",ai," in listing.new_tech
    assert listing.region_path == provider.region.path
    assert SolutionItem.objects.filter(solution__listing=listing, item_code="equipment-systems").exists()
    software = listing.capabilities.get(area="software")
    assert (software.level, software.cases, software.verified_cases, software.solutions) == (4, 1, 0, 1)


def test_a_new_version_replaces_the_listing_and_counts_confirmed_cases():
    provider = ProviderFactory()
    first = published_profile(provider)
    case_key = first.document["cases"][0]["key"]
    CaseConfirmation.objects.create(provider=provider, case_key=case_key, enterprise=EnterpriseFactory(),
                                    status=CaseConfirmation.Status.CONFIRMED)
    document = profile_document()
    document["cases"] = first.document["cases"]
    document["capabilities"] = first.document["capabilities"]
    document["apps"] = []
    published_profile(provider, document=document)
    listing = Listing.objects.get(provider=provider)
    assert listing.version.number == 2
    assert listing.verified_case_count == 1
    assert listing.capabilities.get(area="software").verified_cases == 1
    assert not ListingApp.objects.filter(listing__provider=provider).exists()
