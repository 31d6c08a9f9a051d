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
runs in-process on commit as before, and its errors propagate as before — except a job enqueued
with ``in_thread=True`` (the report PDF when ``REPORTS_IN_BACKGROUND_THREAD`` is on, the ``make
run`` default): it runs in this process's single background thread, so the request that asked for
it answers at once and the page polls the job's tracking row as it would with a worker. That
thread is the embedded default's stand-in for a worker, not a worker: one job at a time, in the
order queued, errors logged (the tracking row says what failed), and a job the process dies in
the middle of is recovered by its row's lease like a dead worker's. With a broker ``in_thread``
changes nothing. ``wait_for_background_jobs()`` waits until the thread is idle (tests, bench).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connections, transaction

logger = logging.getLogger(__name__)

_sweepers: dict[str, Callable[[], Any]] = {}


def _eager() -> bool:
    from portal.celery import app

    return bool(app.conf.task_always_eager)


def task_name(task) -> str:
    return getattr(task, "name", None) or repr(task)


# --- the embedded default's background thread (eager mode, in_thread=True) ----------------------

_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()


def _background_executor() -> ThreadPoolExecutor:
    global _background
    with _background_lock:
        if _background is None:
            # One thread: jobs run one after the other, as on a worker with one process, and SQLite
            # sees at most one background writer beside the requests.
            _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-jobs")
        return _background


def _run_in_background(task, args: tuple) -> None:
    try:
        task.delay(*args)
    except Exception:
        # No request to fail any more: the job's tracking row records the outcome (a job whose row
        # is left running is recovered by its lease, like a dead worker's).
        logger.exception("background job %s%r failed", task_name(task), args)
    finally:
        connections.close_all()  # this thread's own connections: none may outlive the job


def wait_for_background_jobs(timeout: float | None = None) -> None:
    """Block until every job handed to the background thread so far has finished (tests, bench)."""
    _background_executor().submit(lambda: None).result(timeout=timeout)


def enqueue(task, *args, in_thread: bool = False) -> bool:
    """Publish ``task(*args)`` now. True when the broker took it (or, eager, when it ran or, with
    ``in_thread``, was handed to the background thread); False when the publish failed, which is
    logged, never raised."""
    if _eager():
        if in_thread:
            _background_executor().submit(_run_in_background, task, args)
        else:
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
                      otherwise: Callable[[], Any] | None = None, in_thread: bool = False) -> None:
    """Publish ``task(*args)`` once the current transaction commits (at once outside one): the
    worker must find what the transaction wrote, and a rolled-back transaction queues nothing."""

    def publish() -> None:
        # ``in_thread`` only when asked for: stand-ins for ``enqueue`` (tests) keep its old signature.
        if (enqueue(task, *args, in_thread=True) if in_thread else enqueue(task, *args)):
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
