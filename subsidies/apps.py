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
