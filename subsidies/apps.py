from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self) -> None:
        # Each feature registers its own home cards (docs/architecture.md).
        from subsidies.applications import wiring as applications

        applications.register()
