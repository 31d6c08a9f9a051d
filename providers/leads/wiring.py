"""What the leads feature adds to the home pages, registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from portal.permissions import is_enterprise_user, is_provider_user
from portal.roles import is_bureau_staff


def _enterprise_has_leads(user) -> bool:
    from providers.models import Lead

    return is_enterprise_user(user) and Lead.objects.of_enterprises_of(user).exists()


def register() -> None:
    from portal.extensions import HomeCard, register_home_card

    register_home_card(HomeCard(
        key="leads-provider", title=_("Leads"), url_name="providers:lead-inbox", order=45,
        description=_("Enterprises that asked you to contact them, and your pipeline for each."),
        visible=is_provider_user))
    register_home_card(HomeCard(
        key="leads-enterprise", title=_("My contact requests"), url_name="providers:lead-mine", order=45,
        description=_("The providers you asked to contact you, where each request stands, and your consent."),
        visible=_enterprise_has_leads))
    register_home_card(HomeCard(
        key="leads-staff", title=_("Leads in my region"), url_name="providers:lead-staff", order=45,
        description=_("Contact requests between enterprises of your region and providers, by stage."),
        visible=is_bureau_staff))
