"""The assessment workflow as data (docs/architecture.md: rules that change are data): who may move an assessment from which status
to which. Pure: no Django."""

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


@dataclass(frozen=True)
class Move:
    allowed: bool
    next_status: str | None
    reason: str  # a key the service turns into a translated message


def next_status(status: str, action: str, actor_kind: str) -> Move:
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        return Move(False, None, "not_in_this_status")
    actors, target = rule
    if actor_kind not in actors:
        return Move(False, None, "not_your_role")
    return Move(True, target, "")
