from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("Diagnosis")

    def ready(self) -> None:
        # The spec system check, the file clean-up receivers, and the Celery tasks, which live in
        # feature packages that the worker's autodiscovery (``<app>.tasks``) does not look into.
        from diagnosis import checks, signals  # noqa: F401
        from diagnosis.campaigns import selectors as campaigns
        from diagnosis.campaigns import tasks as campaign_tasks  # noqa: F401
        from diagnosis.regional_report import tasks as regional_report_tasks
        from diagnosis.report import tasks
        from diagnosis.scoring import messages
        from diagnosis.scoring.engine import AnswerError
        from diagnosis.workbench import selectors as workbench
        from portal.extensions import (
            HomeCard,
            HomePanel,
            LandingLine,
            register_home_card,
            register_home_panel,
            register_landing_line,
        )
        from portal.jobs import register_sweeper
        from portal.permissions import is_enterprise_user
        from portal.roles import is_bureau_staff

        register_sweeper("diagnosis-reports", tasks.sweep_reports)
        register_sweeper("diagnosis-regional-reports", regional_report_tasks.sweep_regional_reports)
        # The pure engine's answer errors, translated at this edge into the active language.
        AnswerError.localise = messages.localise

        # The home pages as workbenches: what is waiting for this user now.
        register_home_panel(HomePanel(key="diagnosis-enterprise", template="diagnosis/workbench/enterprise.html",
                                      data=workbench.enterprise_panel, order=10))
        register_home_panel(HomePanel(key="diagnosis-review", template="diagnosis/workbench/staff.html",
                                      data=workbench.staff_panel, order=10))
        register_home_panel(HomePanel(key="diagnosis-expert", template="diagnosis/workbench/expert.html",
                                      data=workbench.expert_panel, order=10))

        register_home_card(HomeCard(
            key="diagnosis-assessments", title=_("Digital-transformation assessments"),
            description=_("Assess your enterprise online against the national standards and see its diagnosis, "
                          "roadmap and PDF report."),
            url_name="diagnosis:assessment-list", order=10, visible=is_enterprise_user))
        register_home_panel(HomePanel(key="diagnosis-campaigns", template="diagnosis/campaigns/panel.html",
                                      data=campaigns.staff_panel, order=15))
        register_home_card(HomeCard(
            key="diagnosis-campaigns", title=_("Diagnosis campaigns"),
            description=_("Run the year's diagnosis campaign: import the 规上 targets, invite them and follow the "
                          "coverage against the quota."),
            url_name="campaigns:list", order=25, visible=is_bureau_staff))
        register_home_card(HomeCard(
            key="diagnosis-regional", title=_("Regional diagnosis dashboard"),
            description=_("Where your region stands against the city and the province, by industry, size, cluster and "
                          "park, and what its enterprises need."),
            url_name="regional:dashboard", order=20, visible=is_bureau_staff))
        register_landing_line(LandingLine(
            key="diagnosis-regional-index", audience="staff",
            text=_("Compare districts, the city and the province on the regional index; its public page shows "
                   "the aggregates to everyone, never fewer than 5 enterprises.")))
        register_landing_line(LandingLine(
            key="diagnosis-self-assessment", audience="enterprise",
            text=_("Self-assess against 中小企业数字化水平评测指标 (2024), GB/T 39116 or GB/T 23020 and track your "
                   "progress.")))
        register_landing_line(LandingLine(
            key="diagnosis-review", audience="staff",
            text=_("Review the enterprises' submissions, verify their scores and issue diagnosis reports.")))
