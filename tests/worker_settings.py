"""Settings of the real Celery worker subprocesses started by tests/diagnosis/report/test_worker_kill.py
(through tests/slow_worker.py): the production settings, everything environment-specific from the
environment the test passes (DATABASE_URL of the test database, CELERY_BROKER_URL on a dedicated
Redis database, MEDIA_ROOT, the short CELERY_* limits), plus one test-only change:

Kombu's Redis transport looks for unacknowledged messages older than the visibility timeout only
every ``unacked_restore_interval`` × ``unacked_restore_throttle`` seconds in a running worker
(10 × 10 = 100 s by default). With the test's 20 s visibility timeout that sweep would dominate
the time a killed worker's message takes to come back; sweep every second instead.
"""

from portal.settings.base import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
