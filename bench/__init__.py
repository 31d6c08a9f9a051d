"""Benchmarks behind `make bench` (`python -m bench [NAME ...] [--quick]`).

Speed is measured here, never in timed tests. Every figure is printed next to a baseline measured
in the same process, so the ratio stays comparable across machines even when the absolute numbers
do not.

Adding a benchmark: write a module with ``BENCHMARKS = {"name": run}``, where ``run(run: Run)``
returns a list of ``Figure``s, and list the module in ``bench.__main__.MODULES``. Call
``run.database()`` first if the benchmark needs PostgreSQL; keep the timed core a function of its
sizes so that tests/test_bench.py can call it with tiny ones against the test database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class BenchError(RuntimeError):
    """A benchmark produced a wrong result: that is a failure, unlike a missed speed goal."""


@dataclass(frozen=True)
class Figure:
    """One measured figure and the baseline it is read against.

    ``ratio`` is the cost relative to the baseline: 12.0 means the measured work takes twelve
    times as long per unit as the baseline does.
    """

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    higher_is_better: bool = True  # rates: True; durations: False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline or not self.value:
            return None
        return self.baseline / self.value if self.higher_is_better else self.value / self.baseline


@dataclass
class Run:
    """What a benchmark gets from the runner: the size switch and, on request, a database."""

    quick: bool = False
    prepare_database: Callable[[], None] | None = None
    _database_ready: bool = field(default=False, repr=False)

    def database(self) -> None:
        """Make the freshly created bench database the default one (once per run)."""
        if self._database_ready:
            return
        if self.prepare_database is None:
            raise BenchError("this run has no database; start it with `python -m bench`")
        self.prepare_database()
        self._database_ready = True


Benchmark = Callable[[Run], list[Figure]]


def exit_on_sigterm() -> None:
    """Make SIGTERM (a caller's timeout) unwind like an error, so that `finally` blocks stop the
    servers and workers a benchmark started in their own process groups. Called right before such
    processes start: something on the way (the eager report run) resets SIGTERM to its default,
    which would end this process without running any `finally`."""
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
