"""Celery adapters for the regional analysis report: the row id in, the service imported inside and
called. The fixed name puts it on the ``reports`` queue (CELERY_TASK_ROUTES ``diagnosis.tasks.report_*``)
beside the diagnosis report. DiagnosisConfig.ready() imports this module and registers the sweeper."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from diagnosis.report.tasks import MAX_TASK_RETRIES


@shared_task(name="diagnosis.tasks.report_regional_render", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, retry_backoff_max=60,
             retry_jitter=True, max_retries=MAX_TASK_RETRIES)
def regional_report_render(self, report_id: int) -> str:
    """Render one regional report row (the claim makes a second delivery a no-op); a delivery that
    finds another worker's live lease looks again when it expires."""
    from diagnosis.regional_report.services import RenderOutcome, lease_remaining
    from diagnosis.regional_report.services import regional_report_render as render

    outcome = render(report_id=report_id)
    if outcome == RenderOutcome.LEASE_HELD and not self.request.is_eager:
        raise self.retry(countdown=lease_remaining(report_id))
    return str(outcome)


def sweep_regional_reports() -> dict:
    """The regional report's sweeper, registered with portal.jobs by DiagnosisConfig.ready()."""
    from dataclasses import asdict

    from diagnosis.regional_report.services import regional_report_sweep

    return asdict(regional_report_sweep())
