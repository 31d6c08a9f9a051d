"""Project published profile versions into the listing tables the directory, portraits, ecosystem
analysis and matching read. Called inside the publishing transaction (one provider) and by the
demo seeder (thousands at once, in bulk); both paths run the same code so they cannot drift."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from providers import cache
from providers.models import (
    CaseConfirmation,
    Listing,
    ListingApp,
    ListingCapability,
    ListingIndustry,
    ListingSolution,
    ProfileVersion,
    SolutionItem,
)
from providers.profiles.document import Profile


def _tags(codes: Iterable[str]) -> str:
    codes = list(codes)
    return f",{','.join(codes)}," if codes else ""


def project(pairs: Iterable[tuple[ProfileVersion, Profile]], *, batch_size: int = 2000) -> int:
    """Replace the listings of the given versions' providers with the given (already parsed and
    checked) profiles. Returns the number of listings written. The caller holds the transaction."""
    pairs = list(pairs)
    if not pairs:
        return 0
    cache.bump()  # the directory's and portraits' cached pages name the old version from now on
    provider_ids = [version.provider_id for version, _ in pairs]
    Listing.objects.filter(provider_id__in=provider_ids).delete()
    confirmed = set(
        CaseConfirmation.objects.filter(provider_id__in=provider_ids, status=CaseConfirmation.Status.CONFIRMED)
        .values_list("provider_id", "case_key"))

    listings = []
    for version, profile in pairs:
        provider = version.provider
        facts = profile.facts
        verified = sum(1 for c in profile.cases if (provider.pk, c.key) in confirmed)
        search = " ".join([provider.name, facts.summary, *(s.title for s in profile.solutions),
                           *(a.name for a in profile.apps)])
        listings.append(Listing(
            provider=provider, version=version, name=provider.name, region_id=provider.region_id,
            region_path=provider.region.path, summary=facts.summary,
            registered_capital=facts.registered_capital, founded_year=facts.founded_year,
            employees=facts.employees, rd_staff=facts.rd_staff, new_tech=_tags(profile.new_tech),
            service_regions=_tags(facts.service_regions), search_text=search.lower(),
            app_count=len(profile.apps), solution_count=len(profile.solutions), verified_case_count=verified,
            published_at=version.published_at,
        ))
    Listing.objects.bulk_create(listings, batch_size=batch_size)
    by_provider = {listing.provider_id: listing for listing in Listing.objects.filter(provider_id__in=provider_ids)}

    capabilities, industries, apps, solutions, items = [], [], [], [], []
    for version, profile in pairs:
        listing = by_provider[version.provider_id]
        cases = {c.key: c for c in profile.cases}
        solutions_per_area = Counter(a for s in profile.solutions for a in s.areas)
        for cap in profile.capabilities:
            backing = [k for k in cap.cases if k in cases]
            capabilities.append(ListingCapability(
                listing=listing, area=cap.area, level=cap.level, cases=len(backing),
                verified_cases=sum(1 for k in backing if (version.provider_id, k) in confirmed),
                solutions=solutions_per_area.get(cap.area, 0)))
        industries += [ListingIndustry(listing=listing, division=i.division, clients=i.clients)
                       for i in profile.industries]
        apps += [ListingApp(listing=listing, key=a.key, name=a.name, category=a.category, deployment=a.deployment,
                            price_model=a.price_model, clients=a.clients) for a in profile.apps]
        for s in profile.solutions:
            solution = ListingSolution(
                listing=listing, key=s.key, title=s.title, summary=s.summary, categories=_tags(s.categories),
                industries=_tags(s.industries), areas=_tags(s.areas), price_min=s.price_min, price_max=s.price_max,
                delivery_days=s.delivery_days, light=s.light,
                search_text=" ".join([s.title, s.summary, listing.name]).lower())
            solutions.append(solution)
            items.append((solution, s.items))
    ListingCapability.objects.bulk_create(capabilities, batch_size=batch_size)
    ListingIndustry.objects.bulk_create(industries, batch_size=batch_size)
    ListingApp.objects.bulk_create(apps, batch_size=batch_size)
    # Solutions need their ids for the item links: PostgreSQL returns them from bulk_create, and
    # SQLite (3.35+) does too through RETURNING.
    ListingSolution.objects.bulk_create(solutions, batch_size=batch_size)
    SolutionItem.objects.bulk_create(
        [SolutionItem(solution=solution, spec_code=ref.spec, item_code=ref.item)
         for solution, refs in items for ref in refs], batch_size=batch_size)
    return len(listings)
