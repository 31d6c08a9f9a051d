from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("Diagnosis")

    def ready(self) -> None:
        # The spec system check, the file clean-up receivers, and the Celery tasks, which live in
        # feature packages that the worker's autodiscovery (``<app>.tasks``) does not look into.
        from diagnosis import checks, signals  # noqa: F401
        from diagnosis.report import tasks  # noqa: F401
        from portal.extensions import HomeCard, register_home_card
        from portal.permissions import is_enterprise_user

        register_home_card(HomeCard(
            key="diagnosis-assessments", title=_("Digital-transformation assessments"),
            description=_("Assess your enterprise online against the national standards and see its diagnosis, "
                          "roadmap and PDF report."),
            url_name="diagnosis:assessment-list", order=10, visible=is_enterprise_user))
