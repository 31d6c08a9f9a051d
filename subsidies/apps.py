from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Feature packages that keep their own models (so parallel work on subsidies/models.py and on
# these features does not collide); they register under the "subsidies" app label.
FEATURE_MODELS = ("subsidies.integrity.models", "subsidies.vouchers.models", "subsidies.projects.models")


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def import_models(self):
        super().import_models()
        from importlib import import_module

        for module in FEATURE_MODELS:
            import_module(module)

    def ready(self) -> None:
        # Each feature registers its own home cards (docs/architecture.md).
        from portal.extensions import HomeCard, register_home_card
        from portal.jobs import register_sweeper
        from portal.permissions import is_enterprise_user, is_provider_user
        from portal.roles import is_bureau_staff
        from subsidies.applications import wiring as applications
        from subsidies.precheck import wiring as precheck
        from subsidies.programmes import wiring as programmes
        from subsidies.vouchers.services import expire_vouchers

        for feature in (programmes, precheck, applications):
            feature.register()

        # Issued vouchers past their date expire and give their reservation back to the budget.
        register_sweeper("subsidies-voucher-expiry", expire_vouchers)

        register_home_card(HomeCard(
            key="subsidies-vouchers", url_name="vouchers:list", order=60,
            visible=lambda u: is_bureau_staff(u) or is_enterprise_user(u) or is_provider_user(u),
            title=_("Vouchers"),
            description=_("Service and cloud vouchers: issued, used with a pool provider, verified and paid.")))
        register_home_card(HomeCard(
            key="subsidies-projects", url_name="projects:list", order=61,
            visible=lambda u: is_bureau_staff(u) or is_enterprise_user(u),
            title=_("Transformation projects"),
            description=_("Project filing (项目备案) and acceptance (验收) against a re-assessment.")))
        register_home_card(HomeCard(
            key="subsidies-payee", url_name="integrity:payee-mine", order=64,
            visible=lambda u: is_enterprise_user(u) or is_provider_user(u),
            title=_("Payee account"),
            description=_("The account subsidies are paid to; ID and account numbers stored encrypted.")))
        register_home_card(HomeCard(
            key="subsidies-integrity", url_name="integrity:queue", order=62, visible=is_bureau_staff,
            title=_("Open integrity flags"),
            description=_("Related parties, duplicate invoices and conflicts found before a subsidy decision.")))
        register_home_card(HomeCard(
            key="subsidies-points-per-yuan", url_name="projects:points-per-yuan", order=63, visible=is_bureau_staff,
            title=_("Points per yuan"),
            description=_("Maturity points gained per ¥10,000 of subsidy, by programme, district and provider.")))

        # The net price after the best voucher, for matching's ranking (providers/matching/extensions.py).
        # Matching is built on its own branch: until it is merged there is nothing to register with.
        try:
            from providers.matching.extensions import register_net_price
        except ImportError:
            return
        from subsidies.precheck.net_price import net_prices

        register_net_price(net_prices)
