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
        from portal.jobs import register_sweeper
        from subsidies.vouchers.services import expire_vouchers

        # Issued vouchers past their date expire and give their reservation back to the budget.
        register_sweeper("subsidies-voucher-expiry", expire_vouchers)
