"""What the profiles feature tells people (in-app inbox and e-mail through portal/notifications):
staff's decision on a profile version, to the provider's members; a case naming an enterprise, to
that enterprise's owners and editors. Called inside the deciding transaction, so a rolled-back
decision notifies nobody; written in the portal's language (Chinese first)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.notifications.services import notify
from portal.roles import WRITE_ROLES


def _provider_members(provider_id):
    return get_user_model().objects.filter(memberships__provider_id=provider_id, is_active=True)


def profile_approved(version) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify(_provider_members(version.provider_id), kind="profile.approved",
               title=_("Your capability profile was approved and published (version %(n)d)") % {"n": version.number},
               body=version.decision_note, url=reverse("providers:profile", args=[version.provider_id]))


def profile_rejected(version) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify(_provider_members(version.provider_id), kind="profile.rejected",
               title=_("Your capability profile was returned (version %(n)d)") % {"n": version.number},
               body=version.decision_note, url=reverse("providers:profile", args=[version.provider_id]))


def cases_to_confirm(enterprise_ids, provider_name: str) -> None:
    if not enterprise_ids:
        return
    users = get_user_model().objects.filter(memberships__enterprise_id__in=enterprise_ids,
                                            memberships__role__in=WRITE_ROLES, is_active=True).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        notify(users, kind="profile.case_confirmation",
               title=_("%(provider)s names your enterprise as a client: please confirm") % {"provider": provider_name},
               url=reverse("providers:profile-cases"))
