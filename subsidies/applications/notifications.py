"""What the enterprise and the experts hear about an application (in-app inbox and e-mail through
portal/notifications): the bureau's steps that need the enterprise's attention, and a new score sheet
for an expert. Called inside the acting transaction; written in the portal's language."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.notifications.services import notify


def _titles() -> dict[str, str]:
    return {
        "check_return": _("Application %(reference)s was returned for completion"),
        "check_reject": _("Application %(reference)s was not accepted"),
        "publish_notice": _("Application %(reference)s is in public notice"),
        "approve": _("Application %(reference)s was approved"),
        "reject": _("Application %(reference)s was not approved"),
        "pay": _("The subsidy for application %(reference)s was paid"),
    }


NOTIFIED = frozenset({"check_return", "check_reject", "publish_notice", "approve", "reject", "pay"})


def status_changed(application, action: str, note: str = "") -> None:
    if action not in NOTIFIED:
        return
    members = get_user_model().objects.filter(memberships__enterprise_id=application.enterprise_id, is_active=True)
    with translation.override(settings.LANGUAGE_CODE):
        notify(members, kind=f"subsidy.{action}", title=_titles()[action] % {"reference": application.reference},
               body=note, url=reverse("subsidies:application", args=[application.pk]))


def expert_assigned(review) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify([review.expert], kind="subsidy.expert_assigned",
               title=_("A subsidy application waits for your score sheet: %(reference)s")
               % {"reference": review.application.reference},
               url=reverse("subsidies:review-sheet", args=[review.pk]))
