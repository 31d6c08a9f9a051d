"""What the programme pages add to lower layers' pages: landing lines and home cards; registered
from SubsidiesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from portal.roles import is_bureau_staff


def register() -> None:
    from portal.extensions import HomeCard, LandingLine, register_home_card, register_landing_line

    register_landing_line(LandingLine(
        key="subsidy-programmes", audience="enterprise", order=60,
        text=_("See the open subsidy programmes and their rules in plain words, and which of them your "
               "diagnosis may qualify you for.")))
    register_landing_line(LandingLine(
        key="subsidy-programmes-staff", audience="staff", order=60,
        text=_("Publish subsidy programmes as versioned rules: parameters with their sources, eligibility "
               "conditions and budgets per district.")))
    register_home_card(HomeCard(
        key="subsidy-programmes-staff", title=_("Subsidy programmes"), url_name="subsidies:programme-manage",
        order=50, description=_("Draft, publish and close programme versions and their budgets."),
        visible=is_bureau_staff))
    register_home_card(HomeCard(
        key="subsidy-programmes", title=_("Subsidy programmes"), url_name="subsidies:programmes", order=50,
        description=_("The open programmes and their rules."), visible=lambda user: not user.staff_role))
