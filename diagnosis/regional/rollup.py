"""The regional roll-up (issue #12, docs/scaling.md): ``RegionalCell`` rows hold, per standard version,
year, region snapshot and grouping key, the count, the sum of standing totals (hundredths) and the
distinct enterprises of the counted assessments, so the dashboards read a few hundred cells instead of
grouping a million assessments per page view.

Consistency: an enterprise's contribution is computed from all its counted assessments together (so an
enterprise counts once per cell however many assessments it has there). Every save or delete of an
assessment, and every save of an enterprise that has counted assessments, takes the enterprise's
contribution before and after and applies the difference in the same transaction, as one
``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` per cell in a fixed order (no lost count, no
lock-order deadlock between concurrent approvals); the enterprise row is locked first. Writes that
bypass ``save()`` (bulk loads: seed_demo, the bench) leave the roll-up behind; ``is_current`` tells, the
selectors then read the base table, and ``manage.py regional_rebuild`` recomputes everything.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import Case, F, JSONField, Max, Sum, When

from diagnosis.models import Assessment, RegionalCell
from diagnosis.results.selectors import COUNTED_STATUSES, standing_total
from portal import fragments
from portal.models import Enterprise

CellKey = tuple[str, str, int, int, str, str]  # spec code, version, year, region id, kind, key
# Slices: the kind → the enterprise attribute it groups by (as text, '' for none).
SLICE_FIELDS = {
    "industry": "enterprise__industry_division",
    "size": "enterprise__revenue_band",
    "scale": "enterprise__above_scale",
    "cluster": "enterprise__cluster",
    "park": "enterprise__park_id",
    "chain": "enterprise__chain",
}
FIELDS = ("enterprise_id", "spec_code", "spec_version", "year", "region_id", "status", "standing", "doc",
          "verified", *SLICE_FIELDS.values())


def _standing_doc():
    return Case(When(status=Assessment.Status.APPROVED, verified_result__isnull=False, then=F("verified_result")),
                default=F("result"), output_field=JSONField())


def counted_rows(queryset=None):
    """The counted assessments (placed by a region snapshot) as the values the roll-up needs."""
    rows = Assessment.objects.all() if queryset is None else queryset
    return (rows.filter(status__in=COUNTED_STATUSES, region__isnull=False)
            .annotate(standing=standing_total(), doc=_standing_doc(),
                      verified=Case(When(status=Assessment.Status.APPROVED, verified_result__isnull=False,
                                         then=True), default=False))
            .values(*FIELDS))


def _cents(value: Any) -> int:
    if value is None or value == "":
        return 0
    return int((Decimal(str(value)) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cells_of(row: Mapping[str, Any]) -> Iterable[tuple[str, str, int]]:
    """(kind, key, hundredths) of one counted assessment."""
    doc = row["doc"] if isinstance(row["doc"], dict) else {}
    yield "all", "", _cents(row["standing"])
    yield "basis", "verified" if row["verified"] else "declared", 0
    grade = (doc.get("level") or {}).get("code") if isinstance(doc.get("level"), dict) else None
    if grade is None:
        grade = (doc.get("stage") or {}).get("code") if isinstance(doc.get("stage"), dict) else None
    yield "level", grade or "", 0
    for kind, field in SLICE_FIELDS.items():
        yield kind, _text(row[field]), _cents(row["standing"])
    for d in doc.get("dimensions") or ():
        if isinstance(d, dict) and d.get("code") is not None:
            yield "dimension", str(d["code"]), _cents(d.get("percent"))


def contribution(rows: Iterable[Mapping[str, Any]]) -> dict[CellKey, list[int]]:
    """Cell → [n, hundredths, firms] of one enterprise's counted assessments: the enterprise counts once
    per cell; a dimension cell counts rows as firms (one score rate per assessment), as before."""
    cells: dict[CellKey, list[int]] = {}
    years: dict[tuple[str, str, int], tuple[list[int], list[Decimal]]] = {}
    for row in rows:
        base = (row["spec_code"], row["spec_version"], row["year"], row["region_id"])
        for kind, key, cents in _cells_of(row):
            cell = cells.setdefault((*base, kind, key), [0, 0, 0])
            cell[0] += 1
            cell[1] += cents
            cell[2] = cell[0] if kind == "dimension" else 1
        regions, scores = years.setdefault(base[:3], ([], []))
        regions.append(row["region_id"])
        if row["standing"] is not None:
            scores.append(Decimal(row["standing"]))
    # T0 → T1: an enterprise counted in year − 1 and year, with its mean score in each, placed by its
    # (highest) region of year; the means are kept in hundredths, rounded half up.
    for (code, version, year), (regions, after) in years.items():
        before = years.get((code, version, year - 1), ((), ()))[1]
        if before and after:
            for kind, scores in (("change0", before), ("change1", after)):
                cells[(code, version, year, max(regions), kind, "")] = [
                    1, _cents(sum(scores, Decimal(0)) / len(scores)), 1]
    return cells


def enterprise_contribution(enterprise_id: int) -> dict[CellKey, list[int]]:
    return contribution(counted_rows(Assessment.objects.filter(enterprise_id=enterprise_id)))


def lock_enterprise(enterprise_id: int) -> None:
    if connection.in_atomic_block:
        list(Enterprise.objects.select_for_update().filter(pk=enterprise_id).values_list("pk"))


_COLUMNS = ("spec_code", "spec_version", "year", "region_id", "kind", "key")


def apply(before: Mapping[CellKey, list[int]], after: Mapping[CellKey, list[int]]) -> int:
    """Add ``after`` − ``before`` to the cells, in key order; cells left empty are removed. Returns the
    number of cells changed."""
    delta = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, (0, 0, 0)), after.get(key, (0, 0, 0))
        change = [b - a for a, b in zip(old, new, strict=True)]
        if any(change):
            delta.append((*key, *change))
    if not delta:
        return 0
    # Cached dashboard figures, result pages and freshness verdicts start afresh (now, and again
    # once this change is committed: see portal.fragments.bump).
    bump_generation()
    q = connection.ops.quote_name
    table = q(RegionalCell._meta.db_table)
    cols = ", ".join(q(c) for c in _COLUMNS)
    upsert = (f"INSERT INTO {table} ({cols}, n, total_cents, firms) VALUES ({', '.join(['%s'] * 9)}) "
              f"ON CONFLICT ({cols}) DO UPDATE SET n = {table}.n + excluded.n, "
              f"total_cents = {table}.total_cents + excluded.total_cents, firms = {table}.firms + excluded.firms")
    prune = f"DELETE FROM {table} WHERE {' AND '.join(f'{q(c)} = %s' for c in _COLUMNS)} AND n = 0"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(upsert, delta)
        cursor.executemany(prune, [row[:6] for row in delta if row[6] < 0])
    return len(delta)


def rebuild(*, chunk: int = 5000) -> int:
    """Recompute every cell from the assessments (idempotent): stream the counted rows enterprise by
    enterprise, sum their contributions, replace the table in one transaction. Returns the cell count."""
    totals: dict[CellKey, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(rows):
        for key, (n, cents, firms) in contribution(rows).items():
            cell = totals[key]
            cell[0] += n
            cell[1] += cents
            cell[2] += firms

    with transaction.atomic():
        current, batch = None, []
        for row in counted_rows().order_by("enterprise_id").iterator(chunk_size=chunk):
            if row["enterprise_id"] != current and batch:
                add(batch)
                batch = []
            current = row["enterprise_id"]
            batch.append(row)
        add(batch)
        RegionalCell.objects.all().delete()
        RegionalCell.objects.bulk_create(
            (RegionalCell(spec_code=k[0], spec_version=k[1], year=k[2], region_id=k[3], kind=k[4], key=k[5],
                          n=v[0], total_cents=v[1], firms=v[2]) for k, v in sorted(totals.items()) if v[0]),
            batch_size=2000)
    bump_generation()
    return len(totals)


FRESHNESS_SECONDS = 60
GENERATION = "regional:rollup"  # a portal.fragments version


def bump_generation() -> None:
    """The roll-up changed (an assessment counted or uncounted, a rebuild): what was cached from it is old."""
    fragments.bump(GENERATION)


def generation() -> int:
    """The roll-up's version as its hooks keep it (one cache read): what pages key on whose data
    follows the counted assessments. Unlike ``data_version`` it does not see a bulk load that
    bypassed the hooks; what such a page caches lasts its TTL."""
    return fragments.version(GENERATION)


def data_version() -> str:
    """A cheap version of the dashboards' data: the roll-up generation and the newest assessment id
    (a bulk load outside the hooks adds rows). Key cached figures on it."""
    newest = Assessment.objects.aggregate(m=Max("pk"))["m"] or 0
    return f"{generation()}:{newest}"


def _freshness_key(spec_code: str, spec_version: str) -> str:
    # The newest assessment id is one index lookup: a bulk load (the one way around the hooks)
    # adds rows and so changes the key at once; anything else is caught within FRESHNESS_SECONDS.
    return f"regional:rollup-current:{spec_code}:{spec_version}:{data_version()}"


# One page asks for every table of the same standard: within one request the verdict is kept, so a
# page pays for the key lookup once, not once per table (the memo lives from request start to end).
_request = threading.local()


def _begin_request(**_kwargs) -> None:
    _request.memo = {}


def _end_request(**_kwargs) -> None:
    _request.memo = None


request_started.connect(_begin_request, dispatch_uid="regional-rollup-memo-start")
request_finished.connect(_end_request, dispatch_uid="regional-rollup-memo-end")


def is_current_cached(spec_code: str, spec_version: str) -> bool:
    """``is_current`` as the dashboards ask it on every page: its two counts over the whole standard
    cost more than the page itself at a million rows, so the verdict is kept for a minute."""
    memo = getattr(_request, "memo", None)
    if memo is not None and (spec_code, spec_version) in memo:
        return memo[(spec_code, spec_version)]
    key = _freshness_key(spec_code, spec_version)
    verdict = cache.get(key)
    if verdict is None:
        verdict = is_current(spec_code, spec_version)
        cache.set(key, verdict, FRESHNESS_SECONDS)
    if memo is not None:
        memo[(spec_code, spec_version)] = verdict
    return verdict


def is_current(spec_code: str, spec_version: str) -> bool:
    """Whether the roll-up accounts for every counted assessment of the standard version (a bulk load
    outside ``save()`` leaves it behind until regional_rebuild)."""
    rolled = (RegionalCell.objects.filter(spec_code=spec_code, spec_version=spec_version, kind="all")
              .aggregate(n=Sum("n"))["n"] or 0)
    rows = Assessment.objects.filter(spec_code=spec_code, spec_version=spec_version, status__in=COUNTED_STATUSES,
                                     region__isnull=False).count()
    return rolled == rows
