from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from portal import signals  # noqa: F401  (login/logout audit receivers)
        from portal.extensions import HomeCard, register_home_card
        from portal.roles import is_bureau_staff

        register_home_card(HomeCard(
            key="portal-change-requests", url_name="portal:change-requests", order=20, visible=is_bureau_staff,
            title=_("Change requests of enterprises"),
            description=_("Moves to another district or park, new names and codes of verified enterprises "
                          "wait for your decision here."),
        ))
