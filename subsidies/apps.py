from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self) -> None:
        # Each feature registers its own home cards, landing lines and panels (docs/architecture.md).
        from subsidies.precheck import wiring as precheck
        from subsidies.programmes import wiring as programmes

        for feature in (programmes, precheck):
            feature.register()

        # The net price after the best voucher, for matching's ranking (providers/matching/extensions.py).
        # Matching is built on its own branch: until it is merged there is nothing to register with.
        try:
            from providers.matching.extensions import register_net_price
        except ImportError:
            return
        from subsidies.precheck.net_price import net_prices

        register_net_price(net_prices)
