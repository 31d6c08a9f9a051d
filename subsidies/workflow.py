"""Subsidy application rules as data (docs/architecture.md: rules that change are data): the review
chain Shenzhen uses — draft → submitted → form check (形式审查) → expert review → special audit
(专项审计) → public notice (公示) → decision → disbursement → performance evaluation — with the actor
kind allowed on each transition, the expert score sheet, the notice period and the blockers of a
decision, and the checks on money values.

Pure: plain values in, frozen dataclasses out; no Django. The services turn reason codes into
translated sentences."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from diagnosis.review.workflow import Move, allowed, move  # the one reading of a transition table

# ─── The application lifecycle ──────────────────────────────────────────────────────────────

DRAFT, SUBMITTED, FORM_CHECKED, EXPERT_REVIEWED = "draft", "submitted", "form_checked", "expert_reviewed"
AUDITED, IN_NOTICE, DECIDED, DISBURSED, EVALUATED = "audited", "in_notice", "decided", "disbursed", "evaluated"
RETURNED, REJECTED, WITHDRAWN = "returned", "rejected", "withdrawn"

STATUSES = (DRAFT, SUBMITTED, FORM_CHECKED, EXPERT_REVIEWED, AUDITED, IN_NOTICE, DECIDED, DISBURSED, EVALUATED,
            RETURNED, REJECTED, WITHDRAWN)
# The enterprise edits its content only in these states; returned applications keep their content.
EDITABLE = frozenset({DRAFT, RETURNED})
FINAL = frozenset({EVALUATED, REJECTED, WITHDRAWN})
# The main chain in order, for the timeline's progress bar.
CHAIN = (DRAFT, SUBMITTED, FORM_CHECKED, EXPERT_REVIEWED, AUDITED, IN_NOTICE, DECIDED, DISBURSED, EVALUATED)

# Actor kinds. STAFF are bureau staff of the application's region subtree; AUDITOR is the bureau
# staff member recording the special audit (the platform has no separate auditor role, so staff
# record the audit firm's verified figure); FINANCE the staff member sending and marking batches.
ENTERPRISE, STAFF, EXPERT, PUBLIC = "enterprise", "staff", "expert", "public"

# Stage of each staff queue (the review pages filter on it).
QUEUES = {
    "form_check": SUBMITTED,
    "expert_review": FORM_CHECKED,
    "audit": EXPERT_REVIEWED,
    "notice": IN_NOTICE,
    "decision": AUDITED,
    "disbursement": DECIDED,
    "evaluation": DISBURSED,
}

# (status, action) → (allowed actor kinds, next status)
TRANSITIONS: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    (DRAFT, "edit"): (frozenset({ENTERPRISE}), DRAFT),
    (DRAFT, "attach"): (frozenset({ENTERPRISE}), DRAFT),
    (DRAFT, "submit"): (frozenset({ENTERPRISE}), SUBMITTED),
    (DRAFT, "withdraw"): (frozenset({ENTERPRISE}), WITHDRAWN),
    (RETURNED, "edit"): (frozenset({ENTERPRISE}), RETURNED),
    (RETURNED, "attach"): (frozenset({ENTERPRISE}), RETURNED),
    (RETURNED, "submit"): (frozenset({ENTERPRISE}), SUBMITTED),
    (RETURNED, "withdraw"): (frozenset({ENTERPRISE}), WITHDRAWN),
    # Form check (形式审查): complete → expert review; incomplete → back, content kept; ineligible → rejected.
    (SUBMITTED, "check_pass"): (frozenset({STAFF}), FORM_CHECKED),
    (SUBMITTED, "check_return"): (frozenset({STAFF}), RETURNED),
    (SUBMITTED, "check_reject"): (frozenset({STAFF}), REJECTED),
    (SUBMITTED, "withdraw"): (frozenset({ENTERPRISE}), WITHDRAWN),
    # Expert review: assignments and sheets keep the status; staff close it once the sheets are in.
    (FORM_CHECKED, "assign_expert"): (frozenset({STAFF}), FORM_CHECKED),
    (FORM_CHECKED, "score"): (frozenset({EXPERT}), FORM_CHECKED),
    (FORM_CHECKED, "declare_conflict"): (frozenset({EXPERT}), FORM_CHECKED),
    (FORM_CHECKED, "review_close"): (frozenset({STAFF}), EXPERT_REVIEWED),
    (FORM_CHECKED, "reject"): (frozenset({STAFF}), REJECTED),
    (FORM_CHECKED, "withdraw"): (frozenset({ENTERPRISE}), WITHDRAWN),
    # Special audit (专项审计): the verified investment is recorded, then the notice is published.
    (EXPERT_REVIEWED, "audit"): (frozenset({STAFF}), AUDITED),
    (EXPERT_REVIEWED, "reject"): (frozenset({STAFF}), REJECTED),
    (AUDITED, "publish_notice"): (frozenset({STAFF}), IN_NOTICE),
    (AUDITED, "reject"): (frozenset({STAFF}), REJECTED),
    # Public notice (公示): objections are filed and resolved, then the decision fixes the amount.
    (IN_NOTICE, "object"): (frozenset({PUBLIC, ENTERPRISE, STAFF, EXPERT}), IN_NOTICE),
    (IN_NOTICE, "resolve_objection"): (frozenset({STAFF}), IN_NOTICE),
    (IN_NOTICE, "approve"): (frozenset({STAFF}), DECIDED),
    (IN_NOTICE, "reject"): (frozenset({STAFF}), REJECTED),
    # Disbursement through batches to the finance department, then the performance evaluation.
    (DECIDED, "pay"): (frozenset({STAFF}), DISBURSED),
    (DISBURSED, "evaluate"): (frozenset({STAFF}), EVALUATED),
}

ACTIONS = tuple(sorted({action for _status, action in TRANSITIONS}))


def next_status(status: str, action: str, actor_kind: str | None) -> Move:
    return move(TRANSITIONS, status, action, actor_kind)


def allowed_actions(status: str, actor_kind: str | None) -> frozenset[str]:
    return allowed(TRANSITIONS, status, actor_kind)


def reachable(start: str = DRAFT) -> frozenset[str]:
    """Every status reachable from ``start`` through the table."""
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        for (status, _action), (_actors, target) in TRANSITIONS.items():
            if status == current and target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)


# ─── Submission, dates and region ────────────────────────────────────────────────────────────

# The declarations the enterprise makes when it submits (codes; the pages word them).
DECLARATIONS = ("truthful", "no_double_funding", "not_filed_by_provider")


def missing_declarations(declarations: dict) -> tuple[str, ...]:
    return tuple(code for code in DECLARATIONS if declarations.get(code) is not True)


def submission_blockers(*, declarations: dict, attachments: int, project_title: str) -> tuple[str, ...]:
    reasons = []
    if not (project_title or "").strip():
        reasons.append("no_title")
    if attachments < 1:
        reasons.append("no_attachments")
    if missing_declarations(declarations):
        reasons.append("declarations")
    return tuple(reasons)


def filing_blockers(*, today: dt.date, version_status: str, applications_open: dt.date,
                    applications_close: dt.date, programme_region_path: str, enterprise_region_path: str,
                    enterprise_verified: bool) -> tuple[str, ...]:
    """Why an enterprise cannot file (or submit) an application under this version now."""
    reasons = []
    if version_status != "published":
        reasons.append("not_published")
    if today < applications_open:
        reasons.append("not_open_yet")
    elif today > applications_close:
        reasons.append("closed")
    if not enterprise_region_path.startswith(programme_region_path):
        reasons.append("outside_region")
    if not enterprise_verified:
        reasons.append("not_verified")
    return tuple(reasons)


def reference(prefix: str, year: int, number: int) -> str:
    """"BT2026-000123": the prefix, the filing year and a six-digit sequence."""
    return f"{prefix}{year}-{number:06d}"


# ─── Money ───────────────────────────────────────────────────────────────────────────────────

CENT = Decimal("0.01")
# An investment or amount above this is a typo (the field holds 14 digits; ¥10 bn is beyond any
# SME project the programmes fund).
ABSURD = Decimal("10000000000")


@dataclass(frozen=True)
class Money:
    ok: bool
    value: Decimal | None
    problem: str  # "", "not_a_number", "negative", "too_many_decimals", "absurd"


def money(raw, *, allow_zero: bool = True) -> Money:
    """A yuan amount with at most two decimals, not negative, below ABSURD."""
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return Money(False, None, "not_a_number")
    if not value.is_finite():
        return Money(False, None, "not_a_number")
    if value < 0 or (value == 0 and not allow_zero):
        return Money(False, None, "negative")
    if value >= ABSURD:
        return Money(False, None, "absurd")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        return Money(False, None, "too_many_decimals")
    return Money(True, value.quantize(CENT), "")


# ─── The expert score sheet ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Part:
    code: str
    title: str  # English; the UI translates it
    weight: Decimal


# [P] Provisional weights (our proposal; the Shenzhen review chain names expert review but the
# published texts give no sheet). Each part is scored 0–100; the total is the weighted sum.
PARTS: tuple[Part, ...] = (
    Part("necessity", "Necessity", Decimal("0.25")),
    Part("feasibility", "Feasibility", Decimal("0.25")),
    Part("investment", "Investment soundness", Decimal("0.30")),
    Part("benefit", "Expected benefit", Decimal("0.20")),
)
PART_CODES = tuple(p.code for p in PARTS)
WEIGHTS_PROVISIONAL = True
PART_MAX = Decimal(100)
PASS_MARK = Decimal(60)


@dataclass(frozen=True)
class SheetResult:
    ok: bool
    total: Decimal | None
    problems: tuple[str, ...]


def sheet_total(scores: dict) -> SheetResult:
    problems, total = [], Decimal(0)
    for part in PARTS:
        value = scores.get(part.code)
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > PART_MAX:
            problems.append(part.code)
            continue
        total += value * part.weight
    if problems:
        return SheetResult(False, None, tuple(problems))
    return SheetResult(True, total.quantize(CENT, rounding=ROUND_HALF_UP), ())


@dataclass(frozen=True)
class Sheet:
    total: Decimal | None  # None: not submitted
    conflict: bool


@dataclass(frozen=True)
class Average:
    score: Decimal | None
    counted: int
    pending: int
    excluded: int
    passed: bool


def average(sheets: Iterable[Sheet]) -> Average:
    """The mean of the submitted sheets of experts without a declared conflict of interest."""
    counted, pending, excluded = [], 0, 0
    for sheet in sheets:
        if sheet.conflict:
            excluded += 1
        elif sheet.total is None:
            pending += 1
        else:
            counted.append(sheet.total)
    if not counted:
        return Average(None, 0, pending, excluded, False)
    score = (sum(counted, Decimal(0)) / len(counted)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Average(score, len(counted), pending, excluded, score >= PASS_MARK)


def review_close_blockers(avg: Average) -> tuple[str, ...]:
    if avg.pending:
        return ("scores_pending",)
    if avg.score is None:
        return ("no_scores",)
    if not avg.passed:
        return ("below_pass",)
    return ()


# ─── Public notice and decision ──────────────────────────────────────────────────────────────

NOTICE_DAYS = 5  # [P] Shenzhen notices run 5 working days; we count calendar days, a parameter.


def notice_period(start: dt.date, days: int = NOTICE_DAYS) -> tuple[dt.date, dt.date]:
    return start, start + dt.timedelta(days=max(days, 1) - 1)


def in_notice(today: dt.date, starts: dt.date | None, ends: dt.date | None) -> bool:
    return starts is not None and ends is not None and starts <= today <= ends


def decision_blockers(*, today: dt.date, notice_ends: dt.date | None, open_objections: int,
                      upheld_objections: int, amount: Decimal | None) -> tuple[str, ...]:
    """Why the application cannot be approved yet (codes), or () when it can."""
    reasons = []
    if notice_ends is None or today <= notice_ends:
        reasons.append("notice_running")
    if open_objections:
        reasons.append("open_objections")
    if upheld_objections:
        reasons.append("upheld_objections")
    if amount is None or amount <= 0:
        reasons.append("no_amount")
    return tuple(reasons)


# ─── Performance evaluation ──────────────────────────────────────────────────────────────────


def evaluation_grade(score: Decimal) -> str:
    """[P] 优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60, else 不合格 (codes)."""
    if score >= 90:
        return "excellent"
    if score >= 75:
        return "good"
    if score >= 60:
        return "pass"
    return "fail"
