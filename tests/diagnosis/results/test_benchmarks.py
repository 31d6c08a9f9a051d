"""Benchmarks: the mid-rank percentile with ties, peer groups rolling up below 5 enterprises,
district vs city vs province with sample sizes, and the population read in few queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from diagnosis.models import Assessment
from diagnosis.results.benchmarks import (
    MIN_GROUP,
    PeerRow,
    RegionRef,
    assessment_benchmarks,
    peer_benchmark,
    percentile_rank,
    regional_figures,
)
from portal.models import Enterprise
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

D = Decimal


@pytest.mark.parametrize(("total", "others", "expected"), [
    ("50", [], "50.0"),  # alone: the middle of a group of one
    ("50", ["10", "20", "30", "40"], "90.0"),  # top of five: 4 below + ½ × itself
    ("10", ["20", "30", "40", "50"], "10.0"),
    ("30", ["10", "20", "40", "50"], "50.0"),
    ("30", ["10", "30", "30", "50"], "50.0"),  # three-way tie: 1 below + ½ × 3 equal, of 5
    ("30", ["30", "30", "30", "30"], "50.0"),  # everyone equal
    ("20", ["10", "30", "40"], "37.5"),
    ("20.00", ["20.0", "19.99"], "66.7"),  # Decimal equality ignores trailing zeros; rounded half up
])
def test_percentile_counts_strictly_below_plus_half_of_ties(total, others, expected):
    assert percentile_rank(D(total), [D(o) for o in others]) == D(expected)


def test_equal_totals_always_get_equal_percentiles():
    totals = [D(t) for t in ("10", "30", "30", "30", "50")]
    ranks = {percentile_rank(t, totals[:i] + totals[i + 1:]) for i, t in enumerate(totals) if t == 30}
    assert ranks == {D("50.0")}


def rows(*specs):
    """PeerRow per (total, division, section, band, path); enterprise ids 1…n."""
    return [PeerRow(i, D(total), path, division, section, band)
            for i, (total, division, section, band, path) in enumerate(specs, start=1)]


def group_of(n, total="50", division="39", section="C", band="20m_400m", path="440000/440300/440309/"):
    return [(total, division, section, band, path)] * n


def benchmark(population, **own):
    own = {"total": D("50"), "enterprise_id": 0, "division": "39", "section": "C", "revenue_band": "20m_400m",
           **own}
    return peer_benchmark(rows=population, **own)


def test_peers_are_same_division_and_size_band_when_there_are_enough():
    result = benchmark(rows(*group_of(4, total="40"), *group_of(10, total="60", band="gte400m")))
    assert result.group.code == "division_band" and result.group.n == 5
    assert result.percentile == D("90.0") and result.skipped == ()


def test_a_small_group_rolls_up_division_then_section_then_all():
    population = rows(
        *group_of(2, total="40"),  # same division and band: 3 with itself
        *group_of(2, total="40", band="gte400m"),  # same division, other band: division has 5
        *group_of(5, total="60", division="34"),  # same section C
        *group_of(5, total="60", division="65", section="I"),  # another section
    )
    assert benchmark(population).group.code == "division"
    only_section = [r for r in population if r.division != "39" or r.revenue_band != "gte400m"]
    result = benchmark(only_section)
    assert result.group.code == "section" and result.group.n == 8
    assert [(g.code, g.n) for g in result.skipped] == [("division_band", 3), ("division", 3)]
    tiny_section = [r for r in population if r.section == "I"][:4] + population[:1]
    result = benchmark(tiny_section)
    assert result.group.code == "all" and result.group.n == 6
    assert [g.code for g in result.skipped] == ["division_band", "division", "section"]


def test_no_group_of_five_means_no_percentile():
    result = benchmark(rows(*group_of(3)))
    assert result.group is None and result.percentile is None
    assert [(g.code, g.n) for g in result.skipped][-1] == ("all", 4)


def test_the_enterprise_itself_is_counted_once_with_the_given_total():
    population = rows(*group_of(4, total="40"), ("10", "39", "C", "20m_400m", "440000/"))
    result = benchmark(population, enterprise_id=5, total=D("70"))  # row 5 is its older assessment
    assert result.group.n == 5 and result.percentile == D("90.0")


def test_an_enterprise_without_division_is_compared_by_section():
    result = benchmark(rows(*group_of(6)), division="")
    assert result.group.code == "section" and result.skipped == ()


SHENZHEN = RegionRef("city", "深圳市", "Shenzhen", "440000/440300/")
LONGHUA = RegionRef("district", "龙华区", "Longhua", "440000/440300/440309/")
GUANGDONG = RegionRef("province", "广东省", "Guangdong", "440000/")
CHAIN = (LONGHUA, SHENZHEN, GUANGDONG)


def test_district_city_and_province_means_with_sample_sizes():
    population = rows(
        *group_of(5, total="60", path=LONGHUA.path),
        *group_of(2, total="40", path="440000/440300/440306/"),
        *group_of(3, total="30", path="440000/441900/441900003/"),
        ("80", "39", "C", "20m_400m", "440000/440300/440309/440309P01/"),  # a park lies in its district
    )
    district, city, province = regional_figures(regions=CHAIN, rows=population)
    assert (district.index.mean, district.index.n, district.sufficient) == (D("63.33"), 6, True)
    assert (city.index.mean, city.index.n) == (D("57.50"), 8)
    assert (province.index.mean, province.index.n) == (D("50.00"), 11)


def test_a_small_district_is_insufficient_and_points_to_its_city():
    population = rows(*group_of(3, path=LONGHUA.path), *group_of(4, path="440000/440300/440306/"))
    district, city, province = regional_figures(regions=CHAIN, rows=population)
    assert not district.sufficient and district.index.n == 3 and district.fallback == SHENZHEN
    assert city.sufficient and city.fallback is None
    tiny = regional_figures(regions=CHAIN, rows=rows(*group_of(2, path=LONGHUA.path)))
    assert all(not f.sufficient and f.fallback is None for f in tiny)


# --- the population from the database -------------------------------------------------------------


def _bulk(enterprises, totals, *, user, **fields):
    when = timezone.now() - timedelta(days=1)
    for e, t in zip(enterprises, totals, strict=True):
        scored_assessment(e, user=user, total=D(t), when=when, **{"year": 2025, **fields})


@pytest.mark.django_db
def test_assessment_benchmarks_from_the_database(owner, enterprise, django_assert_max_num_queries):
    longhua = [enterprise, *EnterpriseFactory.create_batch(2)]
    baoan = EnterpriseFactory.create_batch(4, region=region("440306"))
    other_band = EnterpriseFactory.create_batch(3, revenue_band=Enterprise.RevenueBand.OVER_400M)
    _bulk(longhua, ["40", "50", "60"], user=owner)
    _bulk(baoan, ["10", "20", "30", "50"], user=owner)
    _bulk(other_band, ["70", "80", "90"], user=owner)
    # Never counted: drafts, returned ones, other years and versions.
    _bulk(baoan, ["99"] * 4, user=owner, status=Assessment.Status.DRAFT)
    _bulk(baoan, ["99"] * 4, user=owner, status=Assessment.Status.RETURNED)
    _bulk(baoan, ["99"] * 4, user=owner, year=2024)
    _bulk(baoan, ["99"] * 4, user=owner, spec_key="sme-2024@2.0")
    # The enterprise's re-assessment replaces its first one (latest submission counts).
    own = scored_assessment(enterprise, user=owner, total=D("55"), year=2025, status=Assessment.Status.APPROVED)
    own = Assessment.objects.select_related("enterprise").get(pk=own.pk)  # as the access helper loads it
    with django_assert_max_num_queries(2):
        result = assessment_benchmarks(own)
    assert result.population == 10
    # Same division (39) and band: Longhua's two others and Bao'an's four, plus itself = 7.
    assert result.peers.group.code == "division_band" and result.peers.group.n == 7
    assert result.peers.percentile == D("78.6")  # 5 below (10, 20, 30, 50, 50) + ½ of itself, of 7
    district, city, province = result.regions
    assert (district.region.title, district.index.n, district.sufficient) == ("龙华区", 6, True)
    assert district.index.mean == D("67.50")  # 55, 50, 60 and the three other-band enterprises
    assert (city.region.title, city.index.n, city.index.mean) == ("深圳市", 10, D("51.50"))
    assert (province.region.title, province.index.n) == ("广东省", 10)


@pytest.mark.django_db
def test_region_membership_follows_the_snapshot_not_the_current_address(owner, enterprise):
    moved = EnterpriseFactory.create_batch(MIN_GROUP)
    _bulk(moved, ["50"] * MIN_GROUP, user=owner)
    Enterprise.objects.filter(pk__in=[e.pk for e in moved]).update(region=region("440306"))
    own = scored_assessment(enterprise, user=owner, total=D("40"), year=2025)
    district = assessment_benchmarks(own).regions[0]
    assert district.region.title == "龙华区" and district.index.n == MIN_GROUP + 1


@pytest.mark.django_db
def test_peers_are_grouped_by_the_industry_snapshotted_at_submission(owner, enterprise):
    # Issue #13 minor: the enterprise changed its industry after submitting; its assessment (and every
    # peer's) is compared within the industry and size band it had when it was submitted.
    def snapshot(e):
        return {"industry_section": "C", "industry_division": e.industry_division, "revenue_band": e.revenue_band}

    peers = EnterpriseFactory.create_batch(MIN_GROUP - 1)
    for peer, total in zip(peers, ("10", "20", "30", "40"), strict=True):
        scored_assessment(peer, user=owner, total=D(total), context=snapshot(peer))
    # One more enterprise of another division, which joined division 39 only after submitting.
    joined = EnterpriseFactory(industry_division="13")
    scored_assessment(joined, user=owner, total=D("60"), context=snapshot(joined))
    Enterprise.objects.filter(pk=joined.pk).update(industry_division="39")
    own = scored_assessment(enterprise, user=owner, total=D("50"), context=snapshot(enterprise))
    Enterprise.objects.filter(pk=enterprise.pk).update(industry_division="13",
                                                       revenue_band=Enterprise.RevenueBand.OVER_400M)
    own = Assessment.objects.select_related("enterprise").get(pk=own.pk)
    peers_benchmark = assessment_benchmarks(own).peers
    assert peers_benchmark.group.code == "division_band" and peers_benchmark.group.n == MIN_GROUP
    assert peers_benchmark.percentile == D("90.0")  # above the four of division 39, not beside "joined"
