"""Writes for the results pages: the enterprise's roadmap priorities and its transformation needs.
Neither is part of the score, so owners and editors may change both after submission; bureau
staff and viewers may not."""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diagnosis.models import Assessment, Need, NewMode
from diagnosis.results.roadmap import MAX_WEIGHT, PRIORITY_CODES
from diagnosis.spec import get_spec
from portal.audit import audit_log
from portal.exceptions import Forbidden, Invalid, WrongState
from portal.permissions import can_write_for


def _require_writer(assessment: Assessment, actor) -> None:
    if not can_write_for(actor, assessment.enterprise):
        raise Forbidden(_("Only owners and editors of the enterprise can change its priorities and needs."),
                        code="forbidden")


def _locked(assessment: Assessment) -> Assessment:
    # One writer per assessment at a time: two tabs saving the same category cannot both insert.
    return Assessment.objects.select_for_update().get(pk=assessment.pk)


@transaction.atomic
def priorities_save(*, assessment: Assessment, actor, priorities: Mapping[str, int], request=None) -> Assessment:
    """Store the five roadmap weights (cost, quality, delivery, energy, safety), each a whole
    number 0–5. All five are required; anything else is refused and nothing is stored."""
    _require_writer(assessment, actor)
    if set(priorities) != set(PRIORITY_CODES) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_WEIGHT for v in priorities.values()
    ):
        raise Invalid(_("Give each of the five priorities a whole number from 0 to 5."),
                      code="invalid_priorities")
    locked = _locked(assessment)
    before = locked.priorities
    locked.priorities = {code: priorities[code] for code in PRIORITY_CODES}
    locked.save(update_fields=["priorities", "updated_at"])
    audit_log(action="assessment.priorities", actor=actor, request=request, obj=locked,
              detail={"before": before, "after": locked.priorities})
    return locked


@transaction.atomic
def need_save(*, assessment: Assessment, actor, category: str, description: str, item_codes: Iterable[str],
              urgency: int, budget_wan: Decimal | None, request=None) -> Need:
    """Create or replace the enterprise's need in one new-mode category of a scored assessment.

    ``item_codes`` must be questions of the assessment's standard (stored de-duplicated in
    questionnaire order). Raises ``Invalid`` for an unknown category or item, an over-long
    description, a negative or malformed budget or an unknown urgency; nothing is stored then.
    """
    _require_writer(assessment, actor)
    if assessment.result is None:
        raise WrongState(_("Needs are stated after the diagnosis: submit the assessment first."), code="no_result")
    if category not in NewMode.values:
        raise Invalid(_("Unknown need category: %(category)s") % {"category": category}, code="unknown_category")
    spec = get_spec(assessment.spec_key)
    codes = set(item_codes)
    if unknown := sorted(codes - set(spec.items)):
        raise Invalid(_("These items are not part of %(spec)s: %(codes)s")
                      % {"spec": spec.title, "codes": "、".join(unknown)}, code="unknown_item")
    limit = Need._meta.get_field("description").max_length
    if len(description) > limit:
        raise Invalid(_("The description is too long (at most %(max)d characters).") % {"max": limit},
                      code="too_long")
    locked = _locked(assessment)
    need = Need.objects.filter(assessment=locked, category=category).first()
    created = need is None
    if created:
        need = Need(assessment=locked, category=category, created_by=actor)
    need.description = description
    need.item_codes = [code for code in spec.items if code in codes]
    need.urgency = urgency
    need.budget_wan = budget_wan
    try:
        # Field rules (urgency choices, budget ≥ 0 with at most 10 digits, 2 decimals) live on the model.
        need.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="invalid") from None
    need.save()
    audit_log(action="need.create" if created else "need.update", actor=actor, request=request, obj=need,
              detail={"assessment": locked.pk, "category": category, "items": need.item_codes,
                      "urgency": need.urgency, "budget_wan": str(budget_wan) if budget_wan is not None else None})
    return need


@transaction.atomic
def need_delete(*, assessment: Assessment, actor, category: str, request=None) -> bool:
    """Withdraw the need of one category; False when there was none."""
    _require_writer(assessment, actor)
    locked = _locked(assessment)
    need = Need.objects.filter(assessment=locked, category=category).first()
    if need is None:
        return False
    audit_log(action="need.delete", actor=actor, request=request, obj=need,
              detail={"assessment": locked.pk, "category": category})
    need.delete()
    return True
