"""The lead pipeline as data (docs/architecture.md: rules that change are data): who may move a
lead from which stage, by which action, to which stage, and what each step must carry (a date, an
amount). A lead starts "requested" when an enterprise consents to share its diagnosis summary;
the provider works it through contacted → proposal → contract → delivered, and the enterprise
accepts the delivery (验收): the provider never marks its own work accepted, which keeps the
outcome rating (providers/leads/outcomes.py) honest. Either side may close an open lead; the
provider may decline one it has not proposed on.

Pure: plain values in, frozen dataclasses out; no Django. The services turn reason codes into
translated sentences."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

REQUESTED, CONTACTED, PROPOSAL, CONTRACT, DELIVERED = "requested", "contacted", "proposal", "contract", "delivered"
ACCEPTED, DECLINED, CLOSED = "accepted", "declined", "closed"

# The pipeline's order (for the stage bar) and the stages in which a lead is still open.
PIPELINE = (REQUESTED, CONTACTED, PROPOSAL, CONTRACT, DELIVERED, ACCEPTED)
OPEN = frozenset({REQUESTED, CONTACTED, PROPOSAL, CONTRACT, DELIVERED})
FINAL = frozenset({ACCEPTED, DECLINED, CLOSED})

PROVIDER, ENTERPRISE = "provider", "enterprise"

# (stage, action) → (allowed actor kinds, next stage)
TRANSITIONS: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    (REQUESTED, "contact"): (frozenset({PROVIDER}), CONTACTED),
    (CONTACTED, "propose"): (frozenset({PROVIDER}), PROPOSAL),
    (PROPOSAL, "contract"): (frozenset({PROVIDER}), CONTRACT),
    (CONTRACT, "deliver"): (frozenset({PROVIDER}), DELIVERED),
    (DELIVERED, "accept"): (frozenset({ENTERPRISE}), ACCEPTED),
    (REQUESTED, "decline"): (frozenset({PROVIDER}), DECLINED),
    (CONTACTED, "decline"): (frozenset({PROVIDER}), DECLINED),
    **{(stage, "close"): (frozenset({PROVIDER, ENTERPRISE}), CLOSED) for stage in OPEN},
}

ACTIONS = tuple(sorted({action for _stage, action in TRANSITIONS}))

# The date field each stage records (the day the step happened, entered by whoever moves it).
STAGE_DATE = {CONTACTED: "contacted_on", PROPOSAL: "proposal_on", CONTRACT: "contract_on",
              DELIVERED: "delivered_on", ACCEPTED: "accepted_on", DECLINED: "closed_on", CLOSED: "closed_on"}
# The amount an action must carry (yuan, two places).
AMOUNT_FIELD = {"propose": "proposal_amount", "contract": "contract_amount"}
MAX_AMOUNT = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Move:
    allowed: bool
    next_stage: str | None
    reason: str  # "", "not_in_this_stage" or "not_your_role"


def next_stage(stage: str, action: str, actor_kind: str | None) -> Move:
    rule = TRANSITIONS.get((stage, action))
    if rule is None:
        return Move(False, None, "not_in_this_stage")
    actors, target = rule
    if actor_kind not in actors:
        return Move(False, None, "not_your_role")
    return Move(True, target, "")


def allowed_actions(stage: str, actor_kind: str | None) -> tuple[str, ...]:
    """The actions ``actor_kind`` may take on a lead in ``stage``, in pipeline order (close last)."""
    if actor_kind is None:
        return ()
    order = {a: i for i, a in enumerate(("contact", "propose", "contract", "deliver", "accept", "decline", "close"))}
    return tuple(sorted((a for a in ACTIONS if next_stage(stage, a, actor_kind).allowed), key=order.__getitem__))


def step_date_problem(day: dt.date | None, *, previous: dt.date | None, today: dt.date) -> str:
    """Why ``day`` cannot be the date of the next step ("" when it can): it is required, not in
    the future, and not before the previous step's date."""
    if day is None:
        return "date_required"
    if day > today:
        return "date_in_future"
    if previous is not None and day < previous:
        return "date_before_previous"
    return ""


def parse_amount(value: object) -> tuple[Decimal | None, str]:
    """A yuan amount from a form or API value: (amount with two places, "") or (None, reason)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "amount_required"
    if isinstance(value, bool | float):
        return None, "amount_invalid"
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None, "amount_invalid"
    if not amount.is_finite():
        return None, "amount_invalid"
    if amount <= 0:
        return None, "amount_not_positive"
    if amount != amount.quantize(CENT):
        return None, "amount_precision"
    if amount > MAX_AMOUNT:
        return None, "amount_too_large"
    return amount.quantize(CENT), ""
