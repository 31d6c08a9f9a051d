"""Celery adapters for the report feature: IDs in, the service imported inside and called
(docs/architecture.md, Background jobs). Task names are fixed (``name=``) so that routes (CELERY_TASK_ROUTES sends
``diagnosis.tasks.report_*`` to the ``reports`` queue) and messages already queued survive a move of
this module. DiagnosisConfig.ready() imports it so that workers register the tasks."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

# Rechecks of a row another worker holds, and retries of lost database connections: a handful is
# plenty, the row's own attempt counter bounds the rest.
MAX_TASK_RETRIES = 3


@shared_task(name="diagnosis.tasks.report_render", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, retry_backoff_max=60,
             retry_jitter=True, max_retries=MAX_TASK_RETRIES)
def report_render(self, report_id: int) -> str:
    """Render one report row. acks_late + reject_on_worker_lost are safe because the service's
    claim makes a second delivery a no-op. A delivery that finds another worker's lease still live
    (for example the requeue right after a worker was killed) looks again once that lease has
    expires; the settings keep a whole lease below the broker's visibility timeout."""
    from diagnosis.report.services import RenderOutcome, lease_remaining
    from diagnosis.report.services import report_render as render

    outcome = render(report_id=report_id)
    # In-process (eager) runs have no broker to come back later with.
    if outcome == RenderOutcome.LEASE_HELD and not self.request.is_eager:
        raise self.retry(countdown=lease_remaining(report_id))
    return str(outcome)


def sweep_reports() -> dict:
    """The report's sweeper, registered with portal.jobs by DiagnosisConfig.ready() and run by the
    beat task ``portal.tasks.sweep_jobs``."""
    from dataclasses import asdict

    from diagnosis.report.services import report_sweep

    return asdict(report_sweep())
