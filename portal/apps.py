from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.core import checks

        from portal import signals  # noqa: F401  (login/logout audit receivers)
        from portal.crypto import check_keys
        from portal.extensions import HomeCard, register_home_card
        from portal.jobs import register_sweeper
        from portal.notifications.services import sweep_emails
        from portal.privacy.notices import check_contact
        from portal.roles import is_bureau_staff

        checks.register(check_keys, checks.Tags.security, deploy=True)
        checks.register(check_contact, deploy=True)
        # Notification e-mails left pending by a broker outage go out with the next sweep.
        register_sweeper("portal-notification-emails", sweep_emails)

        register_home_card(HomeCard(
            key="portal-change-requests", url_name="portal:change-requests", order=20, visible=is_bureau_staff,
            title=_("Change requests of enterprises"),
            description=_("Moves to another district or park, new names and codes of verified enterprises "
                          "wait for your decision here."),
        ))


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the guarded, audited console site (portal/console.py) as its
    default site, so every registration, the third-party apps' included, goes through it."""

    default = False  # "portal" in INSTALLED_APPS still means PortalConfig
    default_site = "portal.console.ConsoleSite"
