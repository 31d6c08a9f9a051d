"""Cached derived figures of the result page (issue #10: the result page's cost).

The page recomputed, on every request, two things whose inputs rarely change:

- the benchmarks (``assessment_benchmarks``): the whole comparison population read and grouped
  with pandas — the page's single largest cost. They are cached under a key naming the assessment
  (its pk, ``updated_at``, review version and whether its verified result stands) *and* a
  fingerprint of the population read by one aggregate query (rows, latest ``updated_at``, sum of
  the standing totals, latest submission). Any submission, re-scoring, approval or withdrawal of
  any assessment of the same standard version and year changes the fingerprint, so a cached
  figure is never served after the data behind it changed: its key names the old fingerprint.
  What the fingerprint does not track (an enterprise's current region or industry, used only
  for rows stored without a snapshot; region names) is bounded by ``TTL``.
- the dimension and item tables and the ranked next steps (template fragments, ``page_key``);
- the radar's plotly JSON: a pure function of its labels, values and name, memoised in the
  process (building a plotly figure validates every property: ~10 ms).

Django's cache framework holds the benchmarks (Redis when configured, shared by every worker;
locmem otherwise).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from django.core.cache import cache

from diagnosis.results.benchmarks import Benchmarks, assessment_benchmarks
from diagnosis.results.charts import figure_data, radar

TTL = 300  # seconds; bounds what the fingerprint does not cover (see above)
PREFIX = "diagnosis:results:benchmarks:"


def population_fingerprint(assessment) -> tuple:
    """One aggregate query over the population ``assessment_benchmarks`` reads: it changes whenever
    a row joins, leaves or changes its standing total."""
    from django.db.models import Count, Max, Sum

    from diagnosis.models import Assessment
    from diagnosis.results.selectors import standing_total

    figures = (Assessment.objects
               .filter(spec_code=assessment.spec_code, spec_version=assessment.spec_version, year=assessment.year,
                       status__in=(Assessment.Status.SUBMITTED, Assessment.Status.APPROVED), total__isnull=False)
               .aggregate(n=Count("pk"), updated=Max("updated_at"), submitted=Max("submitted_at"),
                          totals=Sum(standing_total()), max_pk=Max("pk")))
    return tuple(figures[k] for k in ("n", "updated", "submitted", "totals", "max_pk"))


def benchmarks_key(assessment, fingerprint: tuple) -> str:
    from diagnosis.results.selectors import verified_result

    raw = "\x1f".join(str(p) for p in (
        assessment.pk, assessment.updated_at, assessment.status, assessment.review_version,
        verified_result(assessment) is not None, assessment.total, assessment.verified_total,
        assessment.region_id, *fingerprint))
    return PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def cached_benchmarks(assessment) -> Benchmarks:
    """``assessment_benchmarks(assessment)``, from the cache while neither the assessment nor its
    population changed (one aggregate query on a hit)."""
    key = benchmarks_key(assessment, population_fingerprint(assessment))
    benchmarks = cache.get(key)
    if benchmarks is None:
        benchmarks = assessment_benchmarks(assessment)
        cache.set(key, benchmarks, timeout=TTL)
    return benchmarks


def page_key(assessment, *, verified: bool) -> str:
    """What the result page's cached fragments (the dimension and item tables, the ranked next
    steps) are keyed on: everything of the assessment they show can change only with ``updated_at``
    (every save of a result, verified result, review or priorities writes it), and the key names
    the review version, status, totals and verified state besides."""
    raw = "\x1f".join(str(p) for p in (assessment.pk, assessment.updated_at, assessment.review_version,
                                          assessment.status, assessment.total, assessment.verified_total, verified))
    return hashlib.sha256(raw.encode()).hexdigest()


@lru_cache(maxsize=512)
def _radar_json(labels: tuple[str, ...], percents: tuple[Decimal, ...], name: str) -> str:
    return json.dumps(figure_data(radar(labels, percents, name=name)))


def radar_data(labels: Sequence[str], percents: Sequence[Decimal], *, name: str) -> dict:
    """``figure_data(radar(...))``, built once per distinct input in this process (a fresh copy each call)."""
    return json.loads(_radar_json(tuple(labels), tuple(percents), name))
