"""Scoring benchmarks: the pure engine's throughput, and re-scoring stored assessments on PostgreSQL.

Answer sets are generated deterministically (``random.Random(seed)``) and stored the way
``assessment_submit`` stores them: only visible questions, every value normalised by
``validate_answer``.
"""

from __future__ import annotations

import os
import random
import time
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import Any

from bench import BenchError, Figure, Run
from diagnosis.scoring import score, validate_answer, visible_items
from diagnosis.spec import SPEC_DIR, Spec, get_spec, parse_spec, validate_spec
from tests.diagnosis.answers import best_answer, worst_answer

SEED = 2024
SME = "sme-2024@1.0"
CMMM = "gbt39116-2020@1.0"
PRODUCTION_TYPES = ("discrete", "process")
REPEATS = 3  # best of three: the least disturbed pass is closest to the real cost

RESCORE_GOAL_SECONDS = 60.0
RESCORE_GOAL_ROWS = 100_000
RESCORE_BATCH = 2000
INSERT_BATCH = 5000
# Distinct answer sets scored while seeding; rows reuse them round-robin so seeding 100 k rows
# does not cost 100 k score() calls. Re-scoring still does all 100 k: it never sees the pool.
SEED_POOL = 2000

AnswerSet = tuple[dict[str, Any], dict[str, Any]]  # (answers, context)


# --- answer sets ------------------------------------------------------------------------------


def _random_answer(item, rng: random.Random) -> Any:
    if item.kind in ("choice", "requirement"):
        return rng.choice(item.options).code
    if item.kind == "multi":
        plain = [o.code for o in item.options if not o.exclusive]
        chosen = rng.sample(plain, rng.randint(0, len(plain)))
        if not chosen:
            return [o.code for o in item.options if o.exclusive][:1] or plain[:1]
        return [code for code in plain if code in chosen]  # spec order, as stored
    if item.kind == "ratio":
        denominator = rng.randint(1, 1000)
        top = denominator if item.ratio.bounded else 2 * denominator
        return {"numerator": rng.randint(0, top), "denominator": denominator}
    if item.kind == "scenario":
        return rng.randint(0, len(item.level_descriptors))
    raise AssertionError(item.kind)


def answer_sets(spec: Spec, count: int, *, seed: int = SEED) -> list[AnswerSet]:
    """``count`` complete, valid answer sets. Each set leans towards best or worst answers by a
    random amount, so totals and levels spread over the whole range."""
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        context = {"production_type": rng.choice(PRODUCTION_TYPES)} if spec.contexts else {}
        lean = rng.random()
        raw = {}
        for code, item in spec.items.items():
            mode = rng.choices(("best", "worst", "random"), weights=(lean, 1 - lean, 1))[0]
            if mode == "random":
                raw[code] = _random_answer(item, rng)
            else:
                raw[code] = (best_answer if mode == "best" else worst_answer)(item)
        shown = visible_items(spec, raw, context)
        sets.append(({code: validate_answer(spec, code, raw[code]) for code in shown}, context))
    return sets


# --- pure engine ------------------------------------------------------------------------------


def _baseline_scorer(spec: Spec) -> Callable[[Mapping[str, Any]], float]:
    """The least work any scorer must do: add up each answer's points from a precomputed table
    (ratio answers: divide, then bisect the band edges). No conditions, levels or explanations."""
    points = {(code, o.code): float(o.points or 0) for code, item in spec.items.items() for o in item.options}
    bands = {
        code: ([float(b.lower) for b in item.bands[1:]], [float(b.points) for b in item.bands], float(item.ratio.scale))
        for code, item in spec.items.items() if item.kind == "ratio"
    }

    def add_up(answers: Mapping[str, Any]) -> float:
        total = 0.0
        for code, value in answers.items():
            if isinstance(value, str):
                total += points[code, value]
            elif isinstance(value, list):
                total += sum(points[code, v] for v in value)
            elif isinstance(value, dict):
                lowers, band_points, scale = bands[code]
                ratio = float(value["numerator"]) / float(value["denominator"]) * scale
                total += band_points[bisect_left(lowers, ratio)]
            # Scenario levels (ints) carry no points.
        return total

    return add_up


def _best_rate(count: int, work: Callable[[], object], repeats: int) -> float:
    # CPU time of this process, not wall time: the engine is pure CPU work, and on a shared
    # machine wall time would mostly measure the neighbours.
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return count / best


def measure_scoring(spec: Spec, *, count: int, seed: int = SEED, repeats: int = REPEATS) -> Figure:
    """Assessments per second through ``score()``, against the table-lookup baseline."""
    sets = answer_sets(spec, count, seed=seed)
    add_up = _baseline_scorer(spec)

    def engine():
        for answers, context in sets:
            score(spec, answers, context)

    def baseline():
        for answers, _context in sets:
            add_up(answers)

    engine_rate = _best_rate(count, engine, repeats)
    baseline_rate = _best_rate(count, baseline, repeats)
    return Figure(name=f"score() on {spec.key}", value=engine_rate, unit="assessments/s",
                  baseline=baseline_rate, baseline_name="table-lookup sum",
                  note=f"{count} answer sets, CPU time, best of {repeats}")


def run_scoring(run: Run) -> list[Figure]:
    count = 200 if run.quick else 5000
    return [
        measure_scoring(get_spec(SME), count=count),
        # The maturity spec is ~5× larger per answer set: fewer sets keep the run short.
        measure_scoring(get_spec(CMMM), count=max(count // 5, 20)),
    ]


# --- re-scoring stored assessments ------------------------------------------------------------


def bench_target_spec() -> Spec:
    """A bench-only next version of sme-2024: two items renamed (one with renamed options), the
    rest carried over unchanged, declared through a ``[mapping]`` from 1.0."""
    with (SPEC_DIR / f"{SME}.toml").open("rb") as handle:
        data = tomllib.load(handle)
    data["spec"]["version"] = "1.0-bench"
    renamed = {"it-coverage": "it-systems", "sc-office": "sc-collaboration"}
    option_renames = {"two-plus": "two-or-more"}
    for entry in data["items"] + data["scenarios"]:
        entry["code"] = renamed.get(entry["code"], entry["code"])
        if entry["code"] == "it-systems":
            for option in entry["options"]:
                option["code"] = option_renames.get(option["code"], option["code"])
    data["mapping"] = {"from": SME, "items": renamed, "options": {"it-coverage": option_renames}}
    spec = parse_spec(data, origin=f"bench:{SME}→1.0-bench")
    if problems := validate_spec(spec):
        raise BenchError(f"bench target spec is invalid: {problems}")
    return spec


def seed_assessments(*, count: int, enterprises: int, pool: int = SEED_POOL, seed: int = SEED) -> int:
    """Insert ``count`` submitted sme-2024@1.0 assessments with stored results; returns how many
    rows of that spec the database holds afterwards."""
    from django.db import connection
    from django.utils import timezone

    from diagnosis.models import Assessment
    from portal.demo import seed_organisations
    from portal.models import Enterprise, User

    spec = get_spec(SME)
    seed_organisations(enterprises=enterprises, providers=0, seed=seed)
    firms = list(Enterprise.objects.order_by("pk")[:enterprises])
    user = User.objects.create(username=f"bench-{seed}")
    # Each pooled set is scored once, with the context of the enterprise it is stored under.
    scored = []
    for index, (answers, _context) in enumerate(answer_sets(spec, min(pool, count), seed=seed)):
        firm = firms[index % len(firms)]
        context = firm.assessment_context()
        result = score(spec, answers, context)
        scored.append((firm, answers, context, result.to_dict(), result))
    now = timezone.now()
    rows = []
    for index in range(count):
        firm, answers, context, result_dict, result = scored[index % len(scored)]
        rows.append(Assessment(
            enterprise=firm, region_id=firm.region_id, spec_code=spec.code, spec_version=spec.version,
            status=Assessment.Status.SUBMITTED, year=2024 + index % 3, context=context,
            submitted_answers=answers, result=result_dict, total=result.total,
            level=result.level.code if result.level else "", stage=result.stage.code if result.stage else "",
            provisional=result.provisional, created_by=user, submitted_at=now,
        ))
        if len(rows) == INSERT_BATCH:
            Assessment.objects.bulk_create(rows, batch_size=INSERT_BATCH)
            rows.clear()
    Assessment.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Assessment._meta.db_table}")  # as autovacuum would, eventually
    return Assessment.objects.filter(spec_code=spec.code, spec_version=spec.version).count()


def _stream_stored_answers(spec: Spec, batch_size: int) -> int:
    """The I/O floor: the rows ``assessments_rebase`` reads, with the same query, and nothing done."""
    from diagnosis.models import Assessment

    rows = (Assessment.objects.filter(spec_code=spec.code, spec_version=spec.version,
                                      submitted_answers__isnull=False)
            .order_by("pk").values_list("pk", "submitted_answers", "context"))
    return sum(1 for _row in rows.iterator(chunk_size=batch_size))


def measure_rescore(*, count: int, enterprises: int, pool: int = SEED_POOL,
                    batch_size: int = RESCORE_BATCH, seed: int = SEED, workers: int = 1) -> list[Figure]:
    """Seed ``count`` assessments into the current default database, then time
    ``assessments_rebase`` onto the bench target spec against the I/O floor. Uses whatever
    database Django is connected to; it never switches databases itself. ``workers`` > 1 only
    works on committed data (forked processes), i.e. not inside a test transaction."""
    from diagnosis.models import RebasedResult
    from diagnosis.scoring.services import assessments_rebase

    old_spec, new_spec = get_spec(SME), bench_target_spec()
    started = time.perf_counter()
    stored = seed_assessments(count=count, enterprises=enterprises, pool=pool, seed=seed)
    seeding = time.perf_counter() - started
    if stored != count:
        raise BenchError(f"expected {count} {SME} assessments, the database holds {stored}: not a fresh database")

    started = time.perf_counter()
    streamed = _stream_stored_answers(old_spec, batch_size)
    floor = time.perf_counter() - started

    started, cpu_started = time.perf_counter(), time.process_time()
    report = assessments_rebase(old_spec=old_spec, new_spec=new_spec, batch_size=batch_size, workers=workers)
    elapsed, python_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    written = RebasedResult.objects.filter(spec_code=new_spec.code, spec_version=new_spec.version).count()
    if not streamed == report.scored == written == count or report.failed:
        raise BenchError(f"re-scored {report.scored}, failed {report.failed}, stored {written}, "
                         f"streamed {streamed}; expected {count} each and no failures")

    projected = elapsed * RESCORE_GOAL_ROWS / count
    verdict = "PASS" if projected < RESCORE_GOAL_SECONDS else "MISS"
    goal = f"goal < {RESCORE_GOAL_SECONDS:.0f} s for {RESCORE_GOAL_ROWS:,}: {verdict}"
    if count != RESCORE_GOAL_ROWS:
        goal += f" (projected {projected:.1f} s)"
    label = f"{count:,} rows"
    return [
        Figure(name=f"re-score {label} ({SME} → {new_spec.key})", value=elapsed, unit="s",
               baseline=floor, baseline_name="streaming the rows, no work", higher_is_better=False,
               note=goal),
        Figure(name="re-score throughput", value=count / elapsed, unit="assessments/s",
               baseline=count / floor, baseline_name="rows streamed/s",
               note=f"{written:,} RebasedResult rows verified; {workers} worker process(es); the parent used "
                    f"{python_cpu:.1f} s CPU"),
        Figure(name=f"seeding {label} (not the figure)", value=seeding, unit="s",
               note=f"{enterprises} enterprises, {min(pool, count)} distinct scored answer sets"),
    ]


def run_rescore(run: Run) -> list[Figure]:
    run.database()
    workers = os.cpu_count() or 1  # the bench database is committed data, so forked workers see it
    if run.quick:
        return measure_rescore(count=500, enterprises=20, pool=100, workers=workers)
    return measure_rescore(count=RESCORE_GOAL_ROWS, enterprises=300, workers=workers)


BENCHMARKS = {"scoring": run_scoring, "rescore": run_rescore}
