from celery import shared_task


@shared_task(name="providers.pools.tasks.expire_memberships")
def expire_memberships() -> dict:
    """Beat, daily: members whose validity passed become expired, and providers hear 30 days
    ahead that a certificate in their published profile expires. Idempotent (see the services)."""
    from providers.pools.services import expire_memberships as expire
    from providers.pools.services import remind_expiring_qualifications

    return {"expired": expire(), "reminded": remind_expiring_qualifications()}
