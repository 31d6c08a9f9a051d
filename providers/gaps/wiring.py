"""What the gap map adds to lower layers' pages: its panel on the regional dashboards (the index and
the demand map), registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from diagnosis.extensions import RegionalPanel, register_regional_panel
    from portal.roles import is_bureau_staff

    register_regional_panel(RegionalPanel(
        key="supply-demand-gap", title=_("Supply–demand gap map"), url_name="providers:gaps-panel", order=20,
        tabs=("index", "demand"), visible=is_bureau_staff))
