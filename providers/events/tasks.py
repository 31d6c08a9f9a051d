"""Celery adapters for matchmaking events: ids in, the service imported inside and called
(docs/architecture.md, Background jobs). ProvidersConfig.ready() imports this module so that
workers register the task, and registers the sweeper."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

MAX_TASK_RETRIES = 3


@shared_task(name="providers.tasks.pairing_generate", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, retry_backoff_max=60,
             retry_jitter=True, max_retries=MAX_TASK_RETRIES)
def pairing_generate(self, job_id: int) -> str:
    """Run one pairing job row; the service's claim makes a second delivery a no-op."""
    from providers.events.services import JobOutcome, lease_remaining
    from providers.events.services import pairing_generate as generate

    outcome = generate(job_id=job_id)
    if outcome == JobOutcome.LEASE_HELD and not self.request.is_eager:
        raise self.retry(countdown=lease_remaining(job_id))
    return str(outcome)


def sweep_pairing_jobs() -> dict:
    from dataclasses import asdict

    from providers.events.services import pairing_sweep

    return asdict(pairing_sweep())
