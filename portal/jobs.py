"""Handing background jobs to the broker without losing them (docs/architecture.md, Background jobs).

A broker that is down must neither turn a committed request into an error page nor lose the work:

- ``enqueue_on_commit(task, *args)`` hands the task to the broker once the transaction has
  committed. A publish that fails is logged and swallowed; the job's tracking row stays pending
  and a sweeper queues it again once the broker is back. ``then`` runs after a successful publish
  (for example to note on the row that a message is on its way), ``otherwise`` after a failed one
  (for jobs without a tracking row: do the work another way).
- Sweepers (``register_sweeper``) are registered by the apps that own tracking rows, from their
  ``AppConfig.ready()``; the beat task ``portal.tasks.sweep_jobs`` runs them all every
  ``JOB_SWEEP_INTERVAL_SECONDS``. Each re-enqueues its pending rows that no message carries and its
  rows whose worker died (lease expired), and fails the rows that used up their attempts.

Without a broker (``CELERY_TASK_ALWAYS_EAGER``: tests, the SQLite ``make run`` default) the task
runs in-process on commit as before, and its errors propagate as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

_sweepers: dict[str, Callable[[], Any]] = {}


def _eager() -> bool:
    from portal.celery import app

    return bool(app.conf.task_always_eager)


def task_name(task) -> str:
    return getattr(task, "name", None) or repr(task)


def enqueue(task, *args) -> bool:
    """Publish ``task(*args)`` now. True when the broker took it (or, eager, when it ran); False
    when the publish failed, which is logged, never raised."""
    if _eager():
        task.delay(*args)
        return True
    try:
        task.delay(*args)
    except Exception:  # kombu.OperationalError, redis errors, a timeout: the broker is unreachable
        logger.exception("could not queue %s%r: the broker refused it; the sweeper queues it again", task_name(task),
                         args)
        return False
    return True


def enqueue_on_commit(task, *args, then: Callable[[], Any] | None = None,
                      otherwise: Callable[[], Any] | None = None) -> None:
    """Publish ``task(*args)`` once the current transaction commits (at once outside one): the
    worker must find what the transaction wrote, and a rolled-back transaction queues nothing."""

    def publish() -> None:
        if enqueue(task, *args):
            if then is not None:
                then()
        elif otherwise is not None:
            try:
                otherwise()
            except Exception:
                logger.exception("%s%r: the fallback after a failed publish failed too", task_name(task), args)

    transaction.on_commit(publish)


def register_sweeper(key: str, sweep: Callable[[], Any]) -> None:
    """``sweep()`` re-enqueues what its app's tracking rows say is lost; idempotent, and cheap when
    there is nothing to do. Registering a key again replaces it."""
    _sweepers[key] = sweep


def sweepers() -> dict[str, Callable[[], Any]]:
    return dict(_sweepers)


def sweep_all() -> dict[str, Any]:
    """Run every sweeper; one that fails is logged and does not stop the others."""
    results: dict[str, Any] = {}
    for key, sweep in sorted(_sweepers.items()):
        try:
            results[key] = sweep()
        except Exception:
            logger.exception("job sweeper %s failed", key)
            results[key] = "error"
    return results
