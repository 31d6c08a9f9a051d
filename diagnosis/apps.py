from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("Diagnosis")

    def ready(self) -> None:
        try:
            from diagnosis import checks  # noqa: F401  (spec validation system check)
        except ImportError:  # pragma: no cover - the spec engine lands separately
            pass
