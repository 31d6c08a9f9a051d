"""Builders for the diagnosis app: a scored, frozen assessment stored directly (without the
per-answer writes of the real enterprise flow), for tests that need many rows or a given result."""

import json
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from diagnosis.models import Assessment
from diagnosis.scoring import score, validate_answer, visible_items
from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers
from tests.factories.portal import UserFactory

SME = "sme-2024@1.0"


def scored_assessment(enterprise, *, user=None, spec_key: str = SME, answers: dict | None = None,
                      best: bool = True, normalise: bool = False, total: Decimal | int | None = None,
                      status: str = Assessment.Status.SUBMITTED, when: datetime | None = None,
                      year: int | None = None, snapshot: bool = True, **fields) -> Assessment:
    """A submitted assessment with its frozen answers and result, as assessment_submit leaves it.

    - answers: overrides on top of full_answers(spec, best=best); answers to hidden questions are
      dropped, as on submission. normalise: store them as answer_save validates them (a ratio's
      parts become strings) and copy the result's provisional flag; otherwise they are stored as
      built and provisional stays False.
    - total: no scoring at all — this total with an empty result, no answers and no context, for
      rows that are only counted or averaged.
    - user: the creator (a new user when omitted); when: submitted_at (now); year: the current one;
      snapshot: copy the enterprise's region onto the row (False leaves it empty).
    - fields: any other column, stored as given.
    """
    code, _at, version = spec_key.partition("@")
    row = {"enterprise": enterprise, "spec_code": code, "spec_version": version, "status": status,
           "year": timezone.localdate().year if year is None else year,
           "region": enterprise.region if snapshot else None, "created_by": user or UserFactory(),
           "submitted_at": when or timezone.now()}
    if total is not None:
        return Assessment.objects.create(**row, submitted_answers={}, result={}, total=total, **fields)
    spec = get_spec(spec_key)
    # As stored (JSON): a fresh enterprise still holds TextChoices members, which the engine refuses.
    context = json.loads(json.dumps(enterprise.assessment_context()))
    raw = {**full_answers(spec, best=best), **(answers or {})}
    shown = set(visible_items(spec, raw, context))
    kept = {c: validate_answer(spec, c, v) if normalise else v for c, v in raw.items() if c in shown}
    result = score(spec, kept, context)
    if normalise:
        fields = {"provisional": result.provisional, **fields}
    return Assessment.objects.create(
        **row, context=context, submitted_answers=kept, result=result.to_dict(), total=result.total,
        level=result.level.code if result.level else "", **fields)
