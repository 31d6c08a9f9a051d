"""Reads for assessments, always through the scoping functions."""

from django.utils.translation import gettext_lazy as _

from diagnosis.fill.plausibility import warnings as plausibility_warnings
from diagnosis.models import Assessment
from portal.models import Enterprise, OrgStatus


def assessments_for_member(user):
    return (Assessment.objects.visible_to(user).select_related("enterprise")
            .order_by("enterprise__name", "-created_at"))


def startable_enterprises(user):
    """Verified enterprises where the user may start assessments (owner or editor)."""
    return Enterprise.objects.writable_by(user).filter(status=OrgStatus.VERIFIED)


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
