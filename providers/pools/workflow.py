"""Resource-pool rules as data (docs/architecture.md: rules that change are data): the application
lifecycle (apply → form check → expert review → public notice → admitted / not admitted), the
expert score sheet with its weights and bands, and the yearly re-check of a member.

Pure: plain values in, frozen dataclasses out; no Django. The services turn reason codes into
translated sentences."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from diagnosis.review.workflow import Move, allowed, move  # the one reading of a transition table

# ─── The application lifecycle ──────────────────────────────────────────────────────────────

SUBMITTED, RETURNED, EXPERT_REVIEW, NOTICE = "submitted", "returned", "expert_review", "notice"
ADMITTED, REFUSED, WITHDRAWN = "admitted", "refused", "withdrawn"
ACTIVE = frozenset({SUBMITTED, RETURNED, EXPERT_REVIEW, NOTICE})
FINAL = frozenset({ADMITTED, REFUSED, WITHDRAWN})

PROVIDER, STAFF, EXPERT, PUBLIC = "provider", "staff", "expert", "public"

# (status, action) → (allowed actor kinds, next status)
TRANSITIONS: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    # Form check (形式审查): complete → expert review; incomplete → back to the provider; ineligible → refused.
    (SUBMITTED, "check_pass"): (frozenset({STAFF}), EXPERT_REVIEW),
    (SUBMITTED, "check_return"): (frozenset({STAFF}), RETURNED),
    (SUBMITTED, "check_refuse"): (frozenset({STAFF}), REFUSED),
    (RETURNED, "resubmit"): (frozenset({PROVIDER}), SUBMITTED),
    # Expert review: assignments and score sheets keep the status.
    (EXPERT_REVIEW, "assign_expert"): (frozenset({STAFF}), EXPERT_REVIEW),
    (EXPERT_REVIEW, "score"): (frozenset({EXPERT}), EXPERT_REVIEW),
    (EXPERT_REVIEW, "declare_conflict"): (frozenset({EXPERT}), EXPERT_REVIEW),
    (EXPERT_REVIEW, "publish_notice"): (frozenset({STAFF}), NOTICE),
    (EXPERT_REVIEW, "refuse"): (frozenset({STAFF}), REFUSED),
    # Public notice (公示): objections are filed and resolved, then the decision.
    (NOTICE, "object"): (frozenset({PUBLIC, PROVIDER, STAFF, EXPERT}), NOTICE),
    (NOTICE, "resolve_objection"): (frozenset({STAFF}), NOTICE),
    (NOTICE, "admit"): (frozenset({STAFF}), ADMITTED),
    (NOTICE, "refuse"): (frozenset({STAFF}), REFUSED),
    # The provider may withdraw until the notice is published.
    (SUBMITTED, "withdraw"): (frozenset({PROVIDER}), WITHDRAWN),
    (RETURNED, "withdraw"): (frozenset({PROVIDER}), WITHDRAWN),
    (EXPERT_REVIEW, "withdraw"): (frozenset({PROVIDER}), WITHDRAWN),
}

ACTIONS = tuple(sorted({action for _status, action in TRANSITIONS}))


def next_status(status: str, action: str, actor_kind: str | None) -> Move:
    return move(TRANSITIONS, status, action, actor_kind)


def allowed_actions(status: str, actor_kind: str | None) -> frozenset[str]:
    return allowed(TRANSITIONS, status, actor_kind)


def notice_period(start: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The notice runs from ``start`` through the returned last day (``days`` calendar days)."""
    return start, start + dt.timedelta(days=max(days, 1) - 1)


def in_notice(today: dt.date, starts: dt.date | None, ends: dt.date | None) -> bool:
    return starts is not None and ends is not None and starts <= today <= ends


def admission_blockers(*, today: dt.date, notice_ends: dt.date | None, open_objections: int,
                       upheld_objections: int) -> tuple[str, ...]:
    """Why the application cannot be admitted yet (codes), or () when it can."""
    reasons = []
    if notice_ends is None or today <= notice_ends:
        reasons.append("notice_running")
    if open_objections:
        reasons.append("open_objections")
    if upheld_objections:
        reasons.append("upheld_objections")
    return tuple(reasons)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 29th–31st fall back to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


# ─── The expert score sheet ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Part:
    code: str
    title: str  # English; the UI translates it
    weight: Decimal


# [P] Provisional weights (our proposal; the Shenzhen 2024 scheme names the four parts but the
# published texts give no weights). Each part is scored 0–100; the total is the weighted sum.
PARTS: tuple[Part, ...] = (
    Part("basic", "Basic information", Decimal("0.20")),
    Part("capability", "Service capability", Decimal("0.35")),
    Part("delivery", "Delivery performance", Decimal("0.30")),
    Part("discount", "Discount offered to SMEs", Decimal("0.15")),
)
PART_CODES = tuple(p.code for p in PARTS)
WEIGHTS_PROVISIONAL = True
PART_MAX = Decimal(100)
CENT = Decimal("0.01")

# Lower bound of each band; below the first there is no band (not passed).
BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "90+"),
    (Decimal(80), "80-90"),
    (Decimal(70), "70-80"),
    (Decimal(60), "60-70"),
)
PASS_MARK = Decimal(60)


@dataclass(frozen=True)
class SheetResult:
    ok: bool
    total: Decimal | None
    problems: tuple[str, ...]  # part codes out of range or missing


def sheet_total(scores: dict[str, Decimal | None]) -> SheetResult:
    """The weighted total of one expert's sheet (0–100, two decimals)."""
    problems = []
    total = Decimal(0)
    for part in PARTS:
        value = scores.get(part.code)
        if value is None or not isinstance(value, Decimal) or not value.is_finite() \
                or value < 0 or value > PART_MAX:
            problems.append(part.code)
            continue
        total += value * part.weight
    if problems:
        return SheetResult(False, None, tuple(problems))
    return SheetResult(True, total.quantize(CENT, rounding=ROUND_HALF_UP), ())


@dataclass(frozen=True)
class Sheet:
    """One expert's sheet as the average sees it."""

    total: Decimal | None  # None: not submitted
    conflict: bool


@dataclass(frozen=True)
class Average:
    score: Decimal | None  # None while no sheet counts
    counted: int
    pending: int  # assigned experts without a conflict who have not submitted yet
    excluded: int  # experts who declared a conflict
    band: str  # "" below the pass mark or without a score
    passed: bool


def band_of(score: Decimal | None) -> str:
    if score is None:
        return ""
    for low, code in BANDS:
        if score >= low:
            return code
    return ""


def average(sheets: Iterable[Sheet], *, pass_score: Decimal = PASS_MARK) -> Average:
    """The application's expert score: the mean of the submitted sheets of experts without a
    declared conflict of interest."""
    counted, pending, excluded = [], 0, 0
    for sheet in sheets:
        if sheet.conflict:
            excluded += 1
        elif sheet.total is None:
            pending += 1
        else:
            counted.append(sheet.total)
    if not counted:
        return Average(None, 0, pending, excluded, "", False)
    score = (sum(counted, Decimal(0)) / len(counted)).quantize(CENT, rounding=ROUND_HALF_UP)
    passed = score >= max(pass_score, PASS_MARK)
    return Average(score, len(counted), pending, excluded, band_of(score) if passed else "", passed)


# ─── The yearly re-check ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Reason:
    code: str  # "no_profile", "expired_qualification", "few_clients", "upheld_complaints"
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict:
        return {"code": self.code, **dict(self.params)}


@dataclass(frozen=True)
class RecheckResult:
    passed: bool
    reasons: tuple[Reason, ...]


def recheck(*, today: dt.date, has_profile: bool, qualifications: Sequence[tuple[str, dt.date | None]],
            confirmed_clients: int, min_confirmed_clients: int, upheld_complaints: int) -> RecheckResult:
    """Pass when the documents are still valid, enough clients confirmed cases and no complaint
    was upheld since the last check; otherwise the member is suspended for the reasons given."""
    reasons: list[Reason] = []
    if not has_profile:
        reasons.append(Reason("no_profile"))
    for name, expires in qualifications:
        if expires is not None and expires < today:
            reasons.append(Reason("expired_qualification", (("name", name), ("expires", expires.isoformat()))))
    if confirmed_clients < min_confirmed_clients:
        reasons.append(Reason("few_clients", (("have", str(confirmed_clients)),
                                              ("need", str(min_confirmed_clients)))))
    if upheld_complaints > 0:
        reasons.append(Reason("upheld_complaints", (("count", str(upheld_complaints)),)))
    return RecheckResult(not reasons, tuple(reasons))
