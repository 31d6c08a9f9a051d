"""Subsidy instruments and eligibility as pure functions over plain data (no Django).

A programme version stores two JSON documents (subsidies/models.py): ``params``, the instrument's
parameters, and ``conditions``, who may apply. This module turns them into typed, frozen values
(``parse_params``, ``parse_conditions``), computes amounts (one function per instrument) and judges
eligibility against an enterprise's facts (``evaluate``).

Money is ``Decimal`` in yuan. Every amount is rounded ROUND_HALF_UP to 0.01 yuan unless the
version's ``round_to`` parameter names another step (1 yuan, 100 yuan, 10 000 yuan). Rates are
fractions (0.20 = 20 %).

Every parameter carries its provenance: ``{"value": …, "source": "…", "confidence": "V" | "P" | "S"}``
(verified from the policy text, our proposed default, secondary source). A value that is not
verified is *provisional* and the pages say so in plain words; a value that is missing (the policy
text was not found) is an error, never a silent default.

Errors and reasons are message keys with parameters, translated by ``subsidies/labels.py``: this
module must stay importable without Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# ─── instruments and confidence ──────────────────────────────────────────────────────────────

SERVICE_VOUCHER = "service_voucher"
CLOUD_VOUCHER = "cloud_voucher"
POST_HOC_REWARD = "post_hoc_reward"
INTEREST_SUBSIDY = "interest_subsidy"
LEVEL_REWARD = "level_reward"
DEMONSTRATION_GRANT = "demonstration_grant"
OPEN_CALL = "open_call"
INSTRUMENTS = (SERVICE_VOUCHER, CLOUD_VOUCHER, POST_HOC_REWARD, INTEREST_SUBSIDY, LEVEL_REWARD,
               DEMONSTRATION_GRANT, OPEN_CALL)
VOUCHERS = (SERVICE_VOUCHER, CLOUD_VOUCHER)

VERIFIED, PROPOSED, SECONDARY = "V", "P", "S"
CONFIDENCES = (VERIFIED, PROPOSED, SECONDARY)

CENT = Decimal("0.01")
ROUNDING_STEPS = (Decimal("0.01"), Decimal("1"), Decimal("100"), Decimal("10000"))
# No programme pays or prices more than this (¥10 bn): anything larger is a typing error.
MONEY_MAX = Decimal("10000000000")
MAX_TERM_YEARS = 30
MAX_ROWS = 20


@dataclass(frozen=True)
class Problem:
    """One reason a document or an input is refused: ``key`` (see labels.PROBLEMS), where, and the
    parameters of the message."""

    key: str
    where: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)


class RuleError(ValueError):
    """Parameters, conditions or inputs that cannot be used; ``problems`` say why."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(f"{p.where}: {p.key}" for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Param:
    """A parameter's value with its provenance."""

    value: Any
    source: str
    confidence: str

    @property
    def provisional(self) -> bool:
        return self.confidence != VERIFIED


# ─── parsing helpers ─────────────────────────────────────────────────────────────────────────


def to_money(raw: Any, where: str, problems: list[Problem], *, allow_zero: bool = True) -> Decimal | None:
    """A yuan amount: at most two decimals, not negative, not absurd."""
    value = _decimal(raw, where, problems)
    if value is None:
        return None
    if value < 0:
        problems.append(Problem("negative", where))
    elif value == 0 and not allow_zero:
        problems.append(Problem("not_positive", where))
    elif value > MONEY_MAX:
        problems.append(Problem("absurd_amount", where, {"max": MONEY_MAX}))
    elif value != value.quantize(CENT):
        problems.append(Problem("too_many_decimals", where))
    else:
        return value.quantize(CENT)
    return None


def to_rate(raw: Any, where: str, problems: list[Problem]) -> Decimal | None:
    """A fraction between 0 and 1 with at most four decimals (0.1234 = 12.34 %)."""
    value = _decimal(raw, where, problems)
    if value is None:
        return None
    if not (Decimal(0) <= value <= Decimal(1)):
        problems.append(Problem("rate_range", where))
        return None
    if value != value.quantize(Decimal("0.0001")):
        problems.append(Problem("rate_decimals", where))
        return None
    return value


def to_int(raw: Any, where: str, problems: list[Problem], *, low: int, high: int) -> int | None:
    if isinstance(raw, bool):
        problems.append(Problem("not_a_number", where))
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        problems.append(Problem("not_a_number", where))
        return None
    if not (low <= value <= high):
        problems.append(Problem("int_range", where, {"low": low, "high": high}))
        return None
    return value


def _decimal(raw: Any, where: str, problems: list[Problem]) -> Decimal | None:
    if raw is None or isinstance(raw, (bool, float)) or (isinstance(raw, str) and not raw.strip()):
        problems.append(Problem("required" if raw is None or isinstance(raw, str) else "not_a_number", where))
        return None
    text = str(raw).strip()
    if "\x00" in text or len(text) > 32:
        problems.append(Problem("not_a_number", where))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(Problem("not_a_number", where))
        return None
    if not value.is_finite():
        problems.append(Problem("not_a_number", where))
        return None
    return value


def _text(raw: Any, where: str, problems: list[Problem], *, limit: int = 300, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        problems.append(Problem("not_text", where))
        return ""
    if "\x00" in raw:
        problems.append(Problem("nul_byte", where))
        return ""
    raw = raw.strip()
    if required and not raw:
        problems.append(Problem("required", where))
    if len(raw) > limit:
        problems.append(Problem("too_long", where, {"limit": limit}))
    return raw


def _param(raw_params: Mapping[str, Any], name: str, problems: list[Problem], convert) -> Param | None:
    """Unwrap ``{"value", "source", "confidence"}`` and convert the value. A missing value is an
    error (the policy text was not found: set a proposed value, marked P)."""
    entry = raw_params.get(name)
    if not isinstance(entry, Mapping):
        problems.append(Problem("missing_param", name))
        return None
    confidence = entry.get("confidence")
    if confidence not in CONFIDENCES:
        problems.append(Problem("bad_confidence", name))
    source = _text(entry.get("source"), name, problems, limit=300)
    if confidence in (VERIFIED, SECONDARY) and not source:
        problems.append(Problem("source_required", name))
    value = convert(entry.get("value"), name, problems)
    if value is None or confidence not in CONFIDENCES:
        return None
    return Param(value, source, confidence)


# ─── typed parameters per instrument ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Band:
    """A tier of the post-hoc reward: investments from ``lower`` (inclusive) to ``upper``
    (exclusive, None = no upper end) get ``rate`` × investment, at most ``cap`` (None = no cap)."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal
    cap: Decimal | None


@dataclass(frozen=True)
class Milestone:
    code: str
    label: str
    share: Decimal


@dataclass(frozen=True)
class InstrumentParams:
    """The typed parameters of one instrument. ``values`` maps a parameter's name to its Param;
    the accessors below unwrap the values the formulas use."""

    instrument: str
    values: Mapping[str, Param]

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    def get(self, name: str, default: Any = None) -> Any:
        entry = self.values.get(name)
        return default if entry is None else entry.value

    @property
    def provisional(self) -> tuple[str, ...]:
        """The names of the parameters whose value is not verified, in order."""
        return tuple(name for name, p in self.values.items() if p.provisional)

    @property
    def step(self) -> Decimal:
        return self.get("round_to", CENT)


def _round_to(raw, where, problems):
    value = _decimal(raw, where, problems)
    if value is None:
        return None
    if value not in ROUNDING_STEPS:
        problems.append(Problem("rounding_step", where))
        return None
    return value


def _bands(raw, where, problems) -> tuple[Band, ...] | None:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ROWS:
        problems.append(Problem("bands_required", where))
        return None
    bands = []
    before = len(problems)
    for i, row in enumerate(raw, start=1):
        at = f"{where}.{i}"
        if not isinstance(row, Mapping):
            problems.append(Problem("bad_row", at))
            continue
        lower = to_money(row.get("lower"), at, problems)
        upper = None if row.get("upper") in (None, "") else to_money(row.get("upper"), at, problems)
        rate = to_rate(row.get("rate"), at, problems)
        cap = None if row.get("cap") in (None, "") else to_money(row.get("cap"), at, problems)
        if None not in (lower, rate):
            bands.append(Band(lower, upper, rate, cap))
    if len(problems) > before:
        return None
    if bands[0].lower != 0:
        problems.append(Problem("bands_start_at_zero", where))
    for i, (a, b) in enumerate(zip(bands, bands[1:], strict=False), start=1):
        if a.upper is None or a.upper != b.lower:
            problems.append(Problem("bands_contiguous", f"{where}.{i + 1}"))
    for i, band in enumerate(bands, start=1):
        if band.upper is not None and band.upper <= band.lower:
            problems.append(Problem("band_empty", f"{where}.{i}"))
    if bands[-1].upper is not None:
        problems.append(Problem("bands_open_end", where))
    return tuple(bands) if len(problems) == before else None


def _level_amounts(raw, where, problems) -> tuple[tuple[str, Decimal], ...] | None:
    """``[{"level": "L5", "amount": "5000000"}, …]`` → ((level, amount), …), highest amount first."""
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ROWS:
        problems.append(Problem("levels_required", where))
        return None
    before = len(problems)
    rows = []
    for i, row in enumerate(raw, start=1):
        at = f"{where}.{i}"
        if not isinstance(row, Mapping):
            problems.append(Problem("bad_row", at))
            continue
        level = _text(row.get("level"), at, problems, limit=32, required=True)
        amount = to_money(row.get("amount"), at, problems)
        if level and amount is not None:
            rows.append((level, amount))
    if len({level for level, _ in rows}) != len(rows):
        problems.append(Problem("levels_duplicate", where))
    if len(problems) > before:
        return None
    return tuple(sorted(rows, key=lambda r: r[1], reverse=True))


def _milestones(raw, where, problems) -> tuple[Milestone, ...] | None:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ROWS:
        problems.append(Problem("milestones_required", where))
        return None
    before = len(problems)
    rows = []
    for i, row in enumerate(raw, start=1):
        at = f"{where}.{i}"
        if not isinstance(row, Mapping):
            problems.append(Problem("bad_row", at))
            continue
        code = _text(row.get("code"), at, problems, limit=32, required=True)
        label = _text(row.get("label"), at, problems, limit=100, required=True)
        share = to_rate(row.get("share"), at, problems)
        if code and label and share is not None:
            rows.append(Milestone(code, label, share))
    if len(problems) > before:
        return None
    if len({m.code for m in rows}) != len(rows):
        problems.append(Problem("milestones_duplicate", where))
    if sum((m.share for m in rows), Decimal(0)) != 1:
        problems.append(Problem("milestones_sum", where))
    return tuple(rows) if len(problems) == before else None


def _standard(raw, where, problems):
    return _text(raw, where, problems, limit=64, required=True) or None


def _money(raw, where, problems):
    return to_money(raw, where, problems)


def _positive_money(raw, where, problems):
    return to_money(raw, where, problems, allow_zero=False)


def _count(raw, where, problems):
    return to_int(raw, where, problems, low=1, high=100)


def _years(raw, where, problems):
    return to_int(raw, where, problems, low=1, high=MAX_TERM_YEARS)


# name → (kind, converter): the kind tells the form which field to show (labels.PARAM_KINDS).
PARAM_SPECS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    SERVICE_VOUCHER: (("share", "rate", to_rate), ("cap", "money", _positive_money),
                      ("per_enterprise", "count", _count)),
    CLOUD_VOUCHER: (("share", "rate", to_rate), ("cap", "money", _positive_money),
                    ("min_spend", "money", _money), ("per_enterprise", "count", _count)),
    POST_HOC_REWARD: (("bands", "bands", _bands),),
    INTEREST_SUBSIDY: (("first_year_share", "rate", to_rate), ("yearly_decline", "rate", to_rate),
                       ("term_years", "years", _years), ("cap", "money", _positive_money)),
    LEVEL_REWARD: (("standard", "standard", _standard), ("levels", "levels", _level_amounts)),
    DEMONSTRATION_GRANT: (("amount", "money", _positive_money), ("max_share", "rate", to_rate)),
    OPEN_CALL: (("rate", "rate", to_rate), ("cap", "money", _positive_money),
                ("milestones", "milestones", _milestones)),
}
OPTIONAL_PARAMS = (("round_to", "step", _round_to),)


def parse_params(instrument: str, raw: Any) -> InstrumentParams:
    """``version.params`` → InstrumentParams, or RuleError listing every problem."""
    if instrument not in PARAM_SPECS:
        raise RuleError([Problem("unknown_instrument", "instrument", {"instrument": instrument})])
    if not isinstance(raw, Mapping):
        raise RuleError([Problem("params_not_mapping", "params")])
    problems: list[Problem] = []
    values: dict[str, Param] = {}
    for name, _kind, convert in PARAM_SPECS[instrument]:
        param = _param(raw, name, problems, convert)
        if param is not None:
            values[name] = param
    for name, _kind, convert in OPTIONAL_PARAMS:
        if name in raw:
            param = _param(raw, name, problems, convert)
            if param is not None:
                values[name] = param
    known = {name for name, _k, _c in PARAM_SPECS[instrument] + OPTIONAL_PARAMS}
    for name in raw:
        if name not in known:
            problems.append(Problem("unknown_param", str(name)[:40]))
    if problems:
        raise RuleError(problems)
    return InstrumentParams(instrument, values)


def param_problems(instrument: str, raw: Any) -> tuple[Problem, ...]:
    try:
        parse_params(instrument, raw)
    except RuleError as error:
        return error.problems
    return ()


# ─── amounts ─────────────────────────────────────────────────────────────────────────────────


def round_money(value: Decimal, step: Decimal = CENT) -> Decimal:
    """ROUND_HALF_UP to ``step`` (0.01 yuan unless the programme says otherwise), two places."""
    return ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(CENT)


@dataclass(frozen=True)
class Amount:
    """A computed amount with how it was reached: ``formula`` (a key of labels.FORMULAS) and its
    ``args``; ``capped`` when a cap bound it; ``provisional`` names the unverified parameters used."""

    value: Decimal
    formula: str
    args: Mapping[str, Any]
    capped: bool = False
    provisional: tuple[str, ...] = ()


def _check_input(value: Any, where: str) -> Decimal:
    problems: list[Problem] = []
    money = to_money(value, where, problems)
    if problems:
        raise RuleError(problems)
    return money


def _capped(raw: Decimal, cap: Decimal | None, step: Decimal) -> tuple[Decimal, bool]:
    """Round, then hold at the cap; ``capped`` when the unrounded amount was above the cap."""
    if cap is not None and raw > cap:
        return cap, True
    return min(round_money(raw, step), cap) if cap is not None else round_money(raw, step), False


def voucher(params: InstrumentParams, price: Any) -> Amount:
    """Service or cloud voucher: ``min(share × price, cap)``; nothing below the minimum spend."""
    price = _check_input(price, "price")
    minimum = params.get("min_spend", Decimal(0))
    if price < minimum:
        return Amount(Decimal("0.00"), "voucher_below_minimum", {"price": price, "min_spend": minimum},
                      provisional=params.provisional)
    value, capped = _capped(params["share"] * price, params["cap"], params.step)
    return Amount(value, "voucher", {"price": price, "share": params["share"], "cap": params["cap"]},
                  capped=capped, provisional=params.provisional)


def band_for(bands: Sequence[Band], investment: Decimal) -> Band:
    for band in bands:
        if investment >= band.lower and (band.upper is None or investment < band.upper):
            return band
    return bands[-1]


def post_hoc_reward(params: InstrumentParams, investment: Any) -> Amount:
    """``min(rate × verified investment, cap)`` with the rate and cap of the band the whole
    investment falls in (bands are not marginal: Longhua pays 30 % of the whole of a ¥50 M project,
    at most ¥5 M)."""
    investment = _check_input(investment, "investment")
    band = band_for(params["bands"], investment)
    value, capped = _capped(band.rate * investment, band.cap, params.step)
    return Amount(value, "post_hoc_reward", {"investment": investment, "rate": band.rate, "cap": band.cap,
                                             "lower": band.lower, "upper": band.upper},
                  capped=capped, provisional=params.provisional)


def interest_share(params: InstrumentParams, year: int) -> Decimal:
    """The share of year ``year``'s interest (1-based) that is subsidised: the first year's share
    minus the yearly decline for each later year, never below 0, and 0 after the term."""
    if year < 1 or year > params["term_years"]:
        return Decimal(0)
    return max(params["first_year_share"] - params["yearly_decline"] * (year - 1), Decimal(0))


def interest_subsidy(params: InstrumentParams, interest_by_year: Sequence[Any]) -> Amount:
    """Σ share(year) × interest paid in that year over the term, at most the cap (each year's part
    rounded, then the total capped)."""
    if len(interest_by_year) > MAX_TERM_YEARS:
        raise RuleError([Problem("too_many_years", "interest", {"max": MAX_TERM_YEARS})])
    interests = [_check_input(v, f"interest.{i}") for i, v in enumerate(interest_by_year, start=1)]
    parts = tuple(round_money(interest_share(params, year) * interest, params.step)
                  for year, interest in enumerate(interests, start=1))
    value, capped = _capped(sum(parts, Decimal(0)), params["cap"], params.step)
    return Amount(value, "interest_subsidy", {"parts": parts, "first_year_share": params["first_year_share"],
                                              "yearly_decline": params["yearly_decline"],
                                              "term_years": params["term_years"], "cap": params["cap"]},
                  capped=capped, provisional=params.provisional)


def level_amount(params: InstrumentParams, level: str | None) -> Decimal:
    return dict(params["levels"]).get(level or "", Decimal("0.00"))


def level_reward(params: InstrumentParams, level: str | None, *, paid_before: Any = 0) -> Amount:
    """The reward for the certified ``level``; when a lower level was rewarded before, only the
    difference (the top-up), never negative."""
    paid = _check_input(paid_before, "paid_before")
    full = level_amount(params, level)
    value = max(full - paid, Decimal("0.00"))
    return Amount(value, "level_top_up" if paid else "level_reward",
                  {"level": level or "", "full": full, "paid_before": paid, "standard": params["standard"]},
                  provisional=params.provisional)


def demonstration_grant(params: InstrumentParams, investment: Any) -> Amount:
    """A fixed grant for a recognised demonstration project, at most ``max_share`` of its investment."""
    investment = _check_input(investment, "investment")
    value, capped = _capped(params["max_share"] * investment, params["amount"], params.step)
    return Amount(value, "demonstration_grant", {"amount": params["amount"], "max_share": params["max_share"],
                                                 "investment": investment},
                  capped=capped, provisional=params.provisional)


def open_call_award(params: InstrumentParams, investment: Any) -> Amount:
    """揭榜挂帅: the project's funding, ``min(rate × project investment, cap)``."""
    investment = _check_input(investment, "investment")
    value, capped = _capped(params["rate"] * investment, params["cap"], params.step)
    return Amount(value, "open_call", {"investment": investment, "rate": params["rate"], "cap": params["cap"]},
                  capped=capped, provisional=params.provisional)


def open_call_payable(params: InstrumentParams, award: Any, passed: Sequence[str]) -> Amount:
    """What is payable of an ``award`` once the milestones in ``passed`` are accepted: each
    milestone releases its share, the last one the remainder (so the parts add up to the award)."""
    award = _check_input(award, "award")
    codes = [m.code for m in params["milestones"]]
    unknown = [c for c in passed if c not in codes]
    if unknown:
        raise RuleError([Problem("unknown_milestone", "milestones", {"code": unknown[0]})])
    total = Decimal("0.00")
    released = Decimal("0.00")
    for i, milestone in enumerate(params["milestones"]):
        part = award - released if i == len(codes) - 1 else round_money(milestone.share * award, params.step)
        released += part
        if milestone.code in passed:
            total += part
    return Amount(total, "open_call_milestones", {"award": award, "passed": tuple(passed)},
                  provisional=params.provisional)


def maximum(params: InstrumentParams) -> Decimal | None:
    """The most one enterprise can get from one award under these parameters (None: no upper
    bound stated, e.g. an uncapped top band)."""
    instrument = params.instrument
    if instrument in (*VOUCHERS, INTEREST_SUBSIDY, OPEN_CALL):
        return params["cap"]
    if instrument == DEMONSTRATION_GRANT:
        return params["amount"]
    if instrument == LEVEL_REWARD:
        return max(amount for _level, amount in params["levels"])
    if instrument == POST_HOC_REWARD:
        caps = [band.cap for band in params["bands"]]
        if caps[-1] is None:
            return None
        # An uncapped band below the top is bounded by its upper end.
        return max(band.cap if band.cap is not None else round_money(band.rate * band.upper, params.step)
                   for band in params["bands"])
    return None


# ─── eligibility ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AssessmentFact:
    """An enterprise's latest standing result on one standard."""

    standard: str
    level: str
    level_rank: int | None  # position in the standard's level ladder (0 = lowest); None: no level
    total: Decimal | None
    assessed_on: dt.date
    verified: bool


@dataclass(frozen=True)
class Facts:
    """What is known about an enterprise when its eligibility is judged. ``None`` means unknown
    (checked when it applies): the condition is then neither met nor unmet but *to check*."""

    today: dt.date
    region_codes: tuple[str, ...]  # the enterprise's region and every region above it
    above_scale: bool
    industry_section: str
    industry_division: str
    cluster: str
    established_year: int | None
    assessments: Mapping[str, AssessmentFact] = field(default_factory=dict)
    level_ranks: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # standard → level → rank
    has_pool_provider: bool | None = None
    awards_this_year: int | None = None
    awards_ever: int | None = None


@dataclass(frozen=True)
class Condition:
    kind: str
    values: tuple[str, ...] = ()
    standard: str = ""
    threshold: str = ""
    number: int = 0
    text: str = ""


CONDITION_KINDS = ("region", "above_scale", "industry", "cluster", "min_level", "min_score", "recent_diagnosis",
                   "pool_provider", "once_per_year", "once_per_enterprise", "min_age", "attestation")


def parse_conditions(raw: Any) -> tuple[Condition, ...]:
    """``version.conditions`` → Conditions, or RuleError listing every problem."""
    if not isinstance(raw, list):
        raise RuleError([Problem("conditions_not_list", "conditions")])
    if len(raw) > MAX_ROWS * 2:
        raise RuleError([Problem("too_many_conditions", "conditions", {"max": MAX_ROWS * 2})])
    problems: list[Problem] = []
    out: list[Condition] = []
    for i, row in enumerate(raw, start=1):
        at = f"conditions.{i}"
        if not isinstance(row, Mapping) or row.get("kind") not in CONDITION_KINDS:
            problems.append(Problem("unknown_condition", at))
            continue
        kind = row["kind"]
        before = len(problems)
        if kind in ("region", "industry", "cluster"):
            values = row.get("values")
            if not isinstance(values, list) or not values or len(values) > 100:
                problems.append(Problem("values_required", at))
                continue
            texts = tuple(_text(v, at, problems, limit=32, required=True) for v in values)
            if len(problems) == before:
                out.append(Condition(kind, values=texts))
        elif kind in ("min_level", "min_score"):
            standard = _text(row.get("standard"), at, problems, limit=64, required=True)
            if kind == "min_level":
                threshold = _text(row.get("level"), at, problems, limit=32, required=True)
            else:
                score = _decimal(row.get("score"), at, problems)
                if score is not None and not (Decimal(0) <= score <= Decimal(1000)):
                    problems.append(Problem("score_range", at))
                threshold = str(score)
            if len(problems) == before:
                out.append(Condition(kind, standard=standard, threshold=threshold))
        elif kind in ("recent_diagnosis", "min_age"):
            number = to_int(row.get("months" if kind == "recent_diagnosis" else "years"), at, problems,
                            low=1, high=120)
            standard = _text(row.get("standard"), at, problems, limit=64)
            if number is not None and len(problems) == before:
                out.append(Condition(kind, standard=standard, number=number))
        elif kind == "attestation":
            text = _text(row.get("text"), at, problems, limit=200, required=True)
            if len(problems) == before:
                out.append(Condition(kind, text=text))
        else:
            out.append(Condition(kind))
    if problems:
        raise RuleError(problems)
    return tuple(out)


@dataclass(frozen=True)
class Reason:
    """A judged condition, in words: ``key`` (labels.REASONS) with its ``args``."""

    kind: str
    key: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    met: tuple[Reason, ...]
    unmet: tuple[Reason, ...]
    to_check: tuple[Reason, ...] = ()

    @property
    def eligible(self) -> bool:
        """No condition is known to fail (those to check are checked when the enterprise applies)."""
        return not self.unmet


def _months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _judge(condition: Condition, facts: Facts) -> tuple[str, Reason]:
    """("met" | "unmet" | "to_check", reason)."""
    kind = condition.kind
    if kind == "region":
        ok = any(code in facts.region_codes for code in condition.values)
        return ("met" if ok else "unmet"), Reason(kind, f"region_{'met' if ok else 'unmet'}",
                                                  {"regions": condition.values})
    if kind == "above_scale":
        return ("met", Reason(kind, "above_scale_met")) if facts.above_scale else \
            ("unmet", Reason(kind, "above_scale_unmet"))
    if kind == "industry":
        ok = facts.industry_section in condition.values or facts.industry_division in condition.values
        return ("met" if ok else "unmet"), Reason(kind, f"industry_{'met' if ok else 'unmet'}",
                                                  {"industries": condition.values})
    if kind == "cluster":
        ok = bool(facts.cluster) and facts.cluster in condition.values
        return ("met" if ok else "unmet"), Reason(kind, f"cluster_{'met' if ok else 'unmet'}",
                                                  {"clusters": condition.values})
    if kind == "min_level":
        args = {"standard": condition.standard, "level": condition.threshold}
        fact = facts.assessments.get(condition.standard)
        ranks = facts.level_ranks.get(condition.standard, {})
        if fact is None:
            return "unmet", Reason(kind, "no_assessment", args)
        needed = ranks.get(condition.threshold)
        if needed is None or fact.level_rank is None:
            return "to_check", Reason(kind, "min_level_unknown", args | {"have": fact.level})
        ok = fact.level_rank >= needed
        return ("met" if ok else "unmet"), Reason(kind, f"min_level_{'met' if ok else 'unmet'}",
                                                  args | {"have": fact.level, "verified": fact.verified})
    if kind == "min_score":
        args = {"standard": condition.standard, "score": Decimal(condition.threshold)}
        fact = facts.assessments.get(condition.standard)
        if fact is None or fact.total is None:
            return "unmet", Reason(kind, "no_assessment", args)
        ok = fact.total >= Decimal(condition.threshold)
        return ("met" if ok else "unmet"), Reason(kind, f"min_score_{'met' if ok else 'unmet'}",
                                                  args | {"have": fact.total, "verified": fact.verified})
    if kind == "recent_diagnosis":
        args = {"months": condition.number, "standard": condition.standard}
        dates = [f.assessed_on for f in facts.assessments.values()
                 if not condition.standard or f.standard == condition.standard]
        if not dates:
            return "unmet", Reason(kind, "no_assessment", args)
        latest = max(dates)
        ok = _months_between(latest, facts.today) < condition.number
        return ("met" if ok else "unmet"), Reason(kind, f"recent_diagnosis_{'met' if ok else 'unmet'}",
                                                  args | {"date": latest})
    if kind == "min_age":
        args = {"years": condition.number}
        if facts.established_year is None:
            return "to_check", Reason(kind, "min_age_unknown", args)
        ok = facts.today.year - facts.established_year >= condition.number
        return ("met" if ok else "unmet"), Reason(kind, f"min_age_{'met' if ok else 'unmet'}",
                                                  args | {"year": facts.established_year})
    if kind == "pool_provider":
        if facts.has_pool_provider is None:
            return "to_check", Reason(kind, "pool_provider_to_check")
        return ("met", Reason(kind, "pool_provider_met")) if facts.has_pool_provider else \
            ("unmet", Reason(kind, "pool_provider_unmet"))
    if kind in ("once_per_year", "once_per_enterprise"):
        count = facts.awards_this_year if kind == "once_per_year" else facts.awards_ever
        if count is None:
            return "to_check", Reason(kind, f"{kind}_to_check")
        return ("met", Reason(kind, f"{kind}_met")) if count == 0 else ("unmet", Reason(kind, f"{kind}_unmet"))
    return "to_check", Reason(kind, "attestation", {"text": condition.text})


def evaluate(conditions: Sequence[Condition], facts: Facts) -> Eligibility:
    """Judge every condition; the reasons keep the conditions' order."""
    buckets: dict[str, list[Reason]] = {"met": [], "unmet": [], "to_check": []}
    for condition in conditions:
        outcome, reason = _judge(condition, facts)
        buckets[outcome].append(reason)
    return Eligibility(tuple(buckets["met"]), tuple(buckets["unmet"]), tuple(buckets["to_check"]))
