"""Reads for assessments, always through the scoping functions."""

from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _

from diagnosis.fill.plausibility import warnings as plausibility_warnings
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


# One message per plausibility rule code (diagnosis/fill/plausibility.py); %(…)s come from the
# warning's params.
PLAUSIBILITY_MESSAGES = {
    "digital-devices-twice": _("The number of digital devices is given twice and differs (%(first)s and "
                               "%(second)s). Please check that both answers count the same devices."),
    "funding-share-high": _("Digital investment comes to %(value)s%% of revenue, above %(limit)s%%. Please check "
                            "the unit (¥10,000) and that both figures are yearly averages."),
    "computers-per-100-high": _("That is %(value)s computers per 100 employees. Please check both figures."),
    "headcount-differs": _("The head count given here (%(stated)s) differs from the %(fact)s employees registered "
                           "for the enterprise. Please check one or the other."),
}


def plausibility_notes(spec, answers, enterprise, *, href) -> list[dict]:
    """The warnings for these answers, worded for people: message, the questions concerned (title
    and ``href(code)``, where the page shows that question) and whether the threshold is provisional."""
    notes = []
    for warning in plausibility_warnings(spec.code, answers, {"employees": enterprise.employees}):
        template = PLAUSIBILITY_MESSAGES.get(warning.code)
        if template is None:
            continue
        notes.append({
            "code": warning.code, "message": template % dict(warning.params),
            "items": [(spec.items[code], href(code)) for code in warning.items if code in spec.items],
            "provisional": warning.provisional,
        })
    return notes
