"""What the ecosystem feature adds to lower layers' pages (home cards, landing lines, a regional dashboard panel),
registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.extensions import HomeCard, LandingLine, register_home_card, register_landing_line
    from portal.roles import is_bureau_staff

    register_home_card(HomeCard(
        key="providers-ecosystem", title=_("Provider ecosystem analysis"),
        description=_("Capabilities, industries served, apps and pool health of the providers in your region; "
                      "Excel export and import of the bureau's provider list."),
        url_name="providers:ecosystem", order=40, visible=is_bureau_staff))
    from diagnosis.extensions import RegionalPanel, register_regional_panel

    register_regional_panel(RegionalPanel(
        key="provider-ecosystem", title=_("Provider ecosystem serving this region"),
        url_name="providers:ecosystem-panel", order=30, tabs=("index",), visible=is_bureau_staff))
    register_landing_line(LandingLine(
        key="providers-ecosystem", audience="staff",
        text=_("Analyse the provider ecosystem of your region and import the bureau's existing provider list.")))
    from diagnosis.extensions import register_regional_report_section
    from providers.ecosystem import report

    register_regional_report_section(report.section())
