"""Reads for assessments, always through the scoping functions."""

from typing import Any, NamedTuple

from diagnosis.models import Answer, Assessment
from diagnosis.scoring import visible_items
from diagnosis.spec import Spec, get_spec
from portal.models import Enterprise, OrgStatus


def assessments_for_member(user):
    return (Assessment.objects.visible_to(user).select_related("enterprise")
            .order_by("enterprise__name", "-created_at"))


def startable_enterprises(user):
    """Verified enterprises where the user may start assessments (owner or editor)."""
    return Enterprise.objects.writable_by(user).filter(status=OrgStatus.VERIFIED)


class QuestionnaireState(NamedTuple):
    """An assessment's questionnaire as it stands: its pinned spec, the stored answer rows by item
    code, their values, and the codes of the questions shown now (in questionnaire order)."""

    spec: Spec
    rows: dict[str, Answer]
    answers: dict[str, Any]
    visible: list[str]


def questionnaire_state(assessment: Assessment) -> QuestionnaireState:
    """For an assessment already fetched through the access helper (with its enterprise)."""
    spec = get_spec(assessment.spec_key)
    rows = {a.item_code: a for a in assessment.answers.select_related("updated_by")}
    answers = {code: row.value for code, row in rows.items()}
    visible = visible_items(spec, answers, assessment.enterprise.assessment_context())
    return QuestionnaireState(spec, rows, answers, visible)
