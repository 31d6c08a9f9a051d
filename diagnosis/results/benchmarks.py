"""Benchmarks of one assessment: its percentile among peers and its district against its city and
province.

The population is every submitted or approved assessment of the same standard version and year,
one per enterprise (its latest submission), each with the total that counts (verified once
approved) and the industry and size band snapshotted at its submission. Region membership uses the assessment's region
snapshot (the enterprise's region for rows without one). Groups of fewer than ``MIN_GROUP``
enterprises are never shown: peers roll up to a wider group, a small district says "样本不足".

``percentile_rank``, ``peer_benchmark`` and ``regional_figures`` are pure (rows in, dataclasses
out); ``assessment_benchmarks`` reads the rows and the region chain with two queries. pandas is imported inside the
functions that group with it, so importing this module (every view does) stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from diagnosis.scoring.regional import RegionalIndex, regional_mean

MIN_GROUP = 5
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PeerRow:
    enterprise_id: int
    total: Decimal
    region_path: str
    division: str
    section: str
    revenue_band: str


@dataclass(frozen=True, slots=True)
class PeerGroup:
    code: str  # division_band | division | section | all
    title: str
    title_en: str
    n: int  # enterprises in the group, the assessed one included


@dataclass(frozen=True, slots=True)
class PeerBenchmark:
    group: PeerGroup | None  # the narrowest group large enough; None when even "all" is too small
    percentile: Decimal | None
    skipped: tuple[PeerGroup, ...]  # narrower groups that were too small, narrowest first


@dataclass(frozen=True, slots=True)
class RegionRef:
    level: str  # district | city | province
    title: str
    title_en: str
    path: str


@dataclass(frozen=True, slots=True)
class RegionFigure:
    region: RegionRef
    index: RegionalIndex
    sufficient: bool  # n ≥ MIN_GROUP: the mean may be shown
    fallback: RegionRef | None  # too small: the nearest larger region whose figure is shown


@dataclass(frozen=True, slots=True)
class Benchmarks:
    peers: PeerBenchmark
    regions: tuple[RegionFigure, ...]  # district, city, province (those that exist)
    population: int  # enterprises in the whole comparison population


_GROUPS = (
    ("division_band", "同行业大类、同规模", "Same industry division and size band"),
    ("division", "同行业大类", "Same industry division"),
    ("section", "同行业门类", "Same industry section"),
    ("all", "全部参评企业", "All assessed enterprises"),
)


def percentile_rank(total: Decimal, peer_totals: Sequence[Decimal]) -> Decimal:
    """Mid-rank percentile of ``total`` in the group made of ``peer_totals`` (the *other*
    enterprises) plus the assessed enterprise itself::

        100 × (peers strictly below + ½ × totals equal to it, itself included) / group size

    rounded half up to 0.1. Alone in its group an enterprise sits at 50; ties share the middle
    of their block, so equal totals always get equal percentiles.
    """
    below = sum(1 for other in peer_totals if other < total)
    equal = 1 + sum(1 for other in peer_totals if other == total)
    share = (Decimal(below) + Decimal(equal) / 2) / (len(peer_totals) + 1)
    return (share * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)


def _frame(rows: Sequence[PeerRow]):
    import pandas as pd

    columns = ["enterprise_id", "total", "region_path", "division", "section", "revenue_band"]
    return pd.DataFrame([[getattr(r, c) for c in columns] for r in rows], columns=columns)


def peer_benchmark(*, total: Decimal, enterprise_id: int, division: str, section: str, revenue_band: str,
                   rows: Sequence[PeerRow]) -> PeerBenchmark:
    """The percentile of ``total`` in the narrowest peer group of at least ``MIN_GROUP``
    enterprises: same industry division and revenue band → same division → same section → all.
    ``rows`` may include the enterprise itself; it is counted once, with ``total``. Groups that
    need a division are skipped silently when the enterprise has none."""
    frame = _frame(rows)
    peers = frame[frame.enterprise_id != enterprise_id]
    masks = {
        "division_band": (peers.division == division) & (peers.revenue_band == revenue_band),
        "division": peers.division == division,
        "section": peers.section == section,
        "all": peers.enterprise_id.notna(),
    }
    skipped = []
    for code, title, title_en in _GROUPS:
        if code.startswith("division") and not division:
            continue
        totals = list(peers[masks[code]].total)
        group = PeerGroup(code, title, title_en, len(totals) + 1)
        if group.n >= MIN_GROUP:
            return PeerBenchmark(group, percentile_rank(total, totals), tuple(skipped))
        skipped.append(group)
    return PeerBenchmark(None, None, tuple(skipped))


def regional_figures(*, regions: Sequence[RegionRef], rows: Sequence[PeerRow]) -> tuple[RegionFigure, ...]:
    """Mean total and sample size of each region (``regional_mean``), narrowest first. A region
    with fewer than ``MIN_GROUP`` enterprises is marked insufficient and points to the nearest
    larger region that has enough."""
    frame = _frame(rows)
    indexes = [regional_mean(frame[frame.region_path.str.startswith(r.path)].total) for r in regions]
    figures = []
    for position, (region, index) in enumerate(zip(regions, indexes, strict=True)):
        sufficient = index.n >= MIN_GROUP
        fallback = None if sufficient else next(
            (larger for larger, other in zip(regions[position + 1:], indexes[position + 1:], strict=True)
             if other.n >= MIN_GROUP), None)
        figures.append(RegionFigure(region, index, sufficient, fallback))
    return tuple(figures)


# --- reading the population --------------------------------------------------------------------


# What the peer groups compare, as snapshotted in Assessment.context at submission.
_SNAPSHOT_KEYS = ("industry_division", "industry_section", "revenue_band")


def _snapshot(assessment, key: str) -> str:
    """The enterprise's industry or size band as it stood at submission; the current value only for
    rows stored without a snapshot."""
    context = assessment.context or {}
    return str(context[key]) if key in context else str(getattr(assessment.enterprise, key))


def _population(assessment) -> list[PeerRow]:
    from django.db.models import TextField
    from django.db.models.fields.json import KT
    from django.db.models.functions import Coalesce

    from diagnosis.models import Assessment
    from diagnosis.results.selectors import standing_total

    rows = (Assessment.objects
            .filter(spec_code=assessment.spec_code, spec_version=assessment.spec_version, year=assessment.year,
                    status__in=(Assessment.Status.SUBMITTED, Assessment.Status.APPROVED), total__isnull=False)
            .annotate(path=Coalesce("region__path", "enterprise__region__path"),
                      # Approved assessments count with their verified total, the others with theirs.
                      score=standing_total(),
                      **{f"snap_{key}": Coalesce(KT(f"context__{key}"), f"enterprise__{key}",
                                                        output_field=TextField())
                         for key in _SNAPSHOT_KEYS})
            .order_by("enterprise_id", "submitted_at", "pk")
            .values_list("enterprise_id", "score", "path", "snap_industry_division",
                         "snap_industry_section", "snap_revenue_band"))
    # Ordered by submission, so the last row of each enterprise is its latest: one vote each.
    latest = {row[0]: PeerRow(*row) for row in rows}
    return list(latest.values())


def _region_chain(assessment) -> tuple[RegionRef, ...]:
    from django.db.models import F, Subquery

    from portal.models import Region

    # The snapshot region and all its ancestors in one query: regions whose path prefixes its path.
    region_id = assessment.region_id or assessment.enterprise.region_id
    own_path = Region.objects.filter(pk=region_id).values("path")[:1]
    ancestors = Region.objects.annotate(own_path=Subquery(own_path)).filter(own_path__startswith=F("path"))
    by_level = {r.level: r for r in ancestors}
    return tuple(
        RegionRef(level, r.name, r.name_en, r.path)
        for level in (Region.Level.DISTRICT, Region.Level.CITY, Region.Level.PROVINCE)
        if (r := by_level.get(level)) is not None
    )


def assessment_benchmarks(assessment) -> Benchmarks:
    """Peer percentile and regional figures of a scored assessment (two queries, given the
    assessment with its enterprise). An approved assessment counts with its verified total
    (``verified_result``), everywhere in the population too; peers are grouped by the industry
    and size band snapshotted at submission, not by what the enterprise says today."""
    from diagnosis.results.selectors import verified_result

    rows = _population(assessment)
    total = assessment.verified_total if verified_result(assessment) is not None else assessment.total
    peers = peer_benchmark(total=total, enterprise_id=assessment.enterprise_id,
                           division=_snapshot(assessment, "industry_division"),
                           section=_snapshot(assessment, "industry_section"),
                           revenue_band=_snapshot(assessment, "revenue_band"), rows=rows)
    return Benchmarks(peers, regional_figures(regions=_region_chain(assessment), rows=rows), len(rows))
