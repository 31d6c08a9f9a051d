"""The assessment workflow as data (docs/architecture.md: rules that change are data): who may move an assessment from which status
to which. Pure: no Django."""

from collections.abc import Mapping
from dataclasses import dataclass

DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
ENTERPRISE, STAFF, EXPERT = "enterprise", "staff", "expert"

# (status, action) → (allowed actor kinds, next status)
TRANSITIONS: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    (DRAFT, "submit"): (frozenset({ENTERPRISE}), SUBMITTED),
    (RETURNED, "submit"): (frozenset({ENTERPRISE}), SUBMITTED),
    (SUBMITTED, "approve"): (frozenset({STAFF}), APPROVED),
    (SUBMITTED, "return"): (frozenset({STAFF}), RETURNED),
    # Corrections and expert opinions keep the status: they refine the verified score before a decision.
    (SUBMITTED, "correct"): (frozenset({STAFF, EXPERT}), SUBMITTED),
    (SUBMITTED, "assign_expert"): (frozenset({STAFF}), SUBMITTED),
    (SUBMITTED, "give_opinion"): (frozenset({EXPERT}), SUBMITTED),
    (SUBMITTED, "record_visit"): (frozenset({STAFF, EXPERT}), SUBMITTED),
    (APPROVED, "record_visit"): (frozenset({STAFF, EXPERT}), APPROVED),
}


Table = Mapping[tuple[str, str], tuple[frozenset[str], str]]


@dataclass(frozen=True)
class Move:
    allowed: bool
    next_status: str | None
    reason: str  # "", "not_in_this_status" or "not_your_role": a key the service turns into a message


def move(table: Table, status: str, action: str, actor_kind: str | None) -> Move:
    """The one reading of a transition table (status, action) → (actors, next status), shared by every
    workflow of the portal (this review, resource pools, subsidy applications)."""
    rule = table.get((status, action))
    if rule is None:
        return Move(False, None, "not_in_this_status")
    actors, target = rule
    if actor_kind not in actors:
        return Move(False, None, "not_your_role")
    return Move(True, target, "")


def allowed(table: Table, status: str, actor_kind: str | None) -> frozenset[str]:
    """The actions ``actor_kind`` may take in ``status`` under ``table``."""
    if actor_kind is None:
        return frozenset()
    return frozenset(action for (from_status, action), (actors, _target) in table.items()
                     if from_status == status and actor_kind in actors)


def next_status(status: str, action: str, actor_kind: str) -> Move:
    return move(TRANSITIONS, status, action, actor_kind)
