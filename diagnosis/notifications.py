"""What the diagnosis features tell people (in-app inbox and e-mail through portal/notifications):
a decision on an assessment, an expert assignment, a report ready. Called inside the service's
transaction, so a rolled-back decision notifies nobody. Written in the portal's language
(Chinese first), whatever language the acting officer browses in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portal.notifications.services import notify


def _members(assessment):
    return get_user_model().objects.filter(memberships__enterprise_id=assessment.enterprise_id, is_active=True)


def assessment_approved(assessment) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify(_members(assessment), kind="assessment.approved",
               title=_("Your assessment was approved: %(name)s") % {"name": assessment.enterprise.name},
               body=assessment.review_comment,
               url=reverse("diagnosis:assessment-result", args=[assessment.pk]))


def assessment_returned(assessment) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify(_members(assessment), kind="assessment.returned",
               title=_("Your assessment was returned for revision: %(name)s") % {"name": assessment.enterprise.name},
               body=assessment.review_comment,
               url=reverse("diagnosis:assessment-fill", args=[assessment.pk]))


def expert_assigned(assignment) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify([assignment.expert], kind="assessment.expert_assigned",
               title=_("New review task: %(name)s") % {"name": assignment.assessment.enterprise.name},
               body=assignment.note,
               url=reverse("review:assessment", args=[assignment.assessment_id]))


def report_ready(report) -> None:
    """The person who asked for the report; after an approval (asked by the reviewer's decision),
    the enterprise's members too, since the report is theirs."""
    assessment = report.assessment
    recipients = list(_members(assessment))
    if report.requested_by_id and all(u.pk != report.requested_by_id for u in recipients):
        recipients.append(report.requested_by)
    with translation.override(settings.LANGUAGE_CODE):
        notify(recipients, kind="report.ready",
               title=_("The diagnosis report is ready: %(name)s") % {"name": assessment.enterprise.name},
               url=reverse("diagnosis:assessment-result", args=[assessment.pk]))


def regional_report_ready(report) -> None:
    """The officer who asked for a regional analysis report: it is ready on the regional dashboard."""
    from diagnosis.regional_report.context import report_title

    with translation.override(settings.LANGUAGE_CODE):
        notify([report.requested_by], kind="regional_report.ready",
               title=_("The regional analysis report is ready: %(title)s") % {
                   "title": report_title(report.region, report.year, report.language)},
               url=f"{reverse('regional:report')}?" + urlencode({
                   "region": report.region_id, "spec": report.spec_key, "year": report.year,
                   "language": report.language}))
