from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Service providers")

    def ready(self) -> None:
        # Each feature registers its own home cards, landing lines and panels (docs/architecture.md).
        from providers.directory import wiring as directory
        from providers.ecosystem import wiring as ecosystem
        from providers.events import tasks as events_tasks  # noqa: F401  (the pairing job's Celery task)
        from providers.events import wiring as events
        from providers.gaps import wiring as gaps
        from providers.leads import wiring as leads
        from providers.matching import wiring as matching
        from providers.pools import tasks as pools_tasks  # noqa: F401  (Celery looks only in <app>.tasks)
        from providers.pools import wiring as pools
        from providers.profiles import wiring as profiles

        for feature in (profiles, pools, directory, ecosystem, matching, events, leads, gaps):
            feature.register()

        # Pools and memberships show on the portraits and filter the directory: their changes
        # invalidate the registry's cached pages (providers/cache.py).
        from providers import signals

        signals.connect()
