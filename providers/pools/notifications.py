"""What the pools feature tells a provider's people (in-app inbox and e-mail through
portal/notifications): a membership that expired, a certificate in the published profile about to
expire. Called inside the deciding transaction; written in the portal's language (Chinese first)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.notifications.services import notify


def _provider_members(provider_id):
    return get_user_model().objects.filter(memberships__provider_id=provider_id, is_active=True)


def membership_expired(member) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify(_provider_members(member.provider_id), kind="pool.membership_expired",
               title=_("Your membership of %(pool)s expired on %(date)s") % {
                   "pool": member.pool.name, "date": member.valid_until.isoformat()},
               body=_("Apply to the pool's next call to be listed again."), url=reverse("providers:pool-mine"))


def qualification_expiring(provider_id: int, name: str, expires) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        notify(_provider_members(provider_id), kind="profile.qualification_expiring",
               title=_("Your qualification “%(name)s” expires on %(date)s") % {"name": name,
                                                                                "date": expires.isoformat()},
               body=_("Renew the certificate and publish the new expiry date in your capability profile: an "
                      "expired qualification fails the pools' yearly re-check."),
               url=reverse("providers:profile", args=[provider_id]))
