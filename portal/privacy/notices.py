"""Versioned privacy notices (R27). A change of text is a new version: consents name the version
they were given to, and a form posted against an older version is refused so that nobody agrees to
a text they were not shown."""

from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Notice:
    purpose: str
    version: str
    title: object
    paragraphs: tuple

    @property
    def contact(self) -> str:
        """The controller's contact (settings.PRIVACY_CONTACT), shown under the text. It comes from the
        deployment, not the version: a new phone number does not ask everybody to consent again."""
        return settings.PRIVACY_CONTACT


REGISTRATION = Notice(
    purpose="registration",
    version="2026-12",
    title=_("Personal information notice"),
    paragraphs=(
        # 2026-12: 2026-11 pointed at a contact on the home page that no page showed.
        _("Controller: the industry and information-technology bureau running this portal, reachable at the "
          "contact shown with this notice."),
        _("What we collect when you register: your name, e-mail address, mobile number and user name, and the "
          "organisation you act for. We collect nothing else about you."),
        _("Why: to run the digital-transformation diagnosis programme — to verify your organisation, let you "
          "submit assessments, and tell you about their review."),
        _("Who sees it: you, the members of your organisation, and bureau staff of its district and city. "
          "A service provider sees your diagnosis summary only if you ask it to contact you and agree, and "
          "loses it when you withdraw that consent."),
        _("How long: while your account is used. Disabled accounts are anonymised after three years. Sign-in "
          "and audit records are kept for at least six months as the Cybersecurity Law requires."),
        _("Your rights: on the page 'My personal data' you can download your data, correct it, withdraw "
          "consents and ask for deletion; deletion is carried out within 15 days, keeping only what the law "
          "requires (audit trail, subsidy finance records)."),
        _("Data stay in China: the portal uses no outside services, fonts or analytics."),
    ),
)

NOTICES = {REGISTRATION.purpose: REGISTRATION}


def current(purpose: str) -> Notice:
    return NOTICES[purpose]


def check_contact(app_configs=None, **kwargs):
    """Deploy check: the notice says the controller is reachable at the contact shown with it, so a
    deployment without PRIVACY_CONTACT would make a promise no page keeps."""
    if not (getattr(settings, "PRIVACY_CONTACT", "") or "").strip():
        return [checks.Error("PRIVACY_CONTACT is not set: the privacy notice promises a contact of the controller "
                             "(PIPL Art. 17) and would show none.",
                             hint="Set PRIVACY_CONTACT to the bureau's phone and e-mail for personal data.",
                             id="portal.E110")]
    return []
