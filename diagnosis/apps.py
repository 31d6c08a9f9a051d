from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("Diagnosis")

    def ready(self) -> None:
        from diagnosis import checks, signals  # noqa: F401  (spec system check; file clean-up receivers)
