"""`python -m bench [NAME ...] [--quick]`: run the registered benchmarks (all, or the named ones) and
print each figure with its unit, its same-process baseline and the ratio, plus the machine.

Django is pointed at the bench database before its settings load, so no benchmark can touch the
developer's own database; the bench database itself is dropped and migrated only when a selected
benchmark asks for it. A missed speed goal is reported, never turned into an exit code; a wrong
result (``BenchError``) is.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from datetime import datetime

from bench.db import bench_database_url, fresh_django_database, server_version

# Modules with a BENCHMARKS mapping, in the order their benchmarks run.
MODULES = ("bench.scoring", "bench.pages", "bench.reports", "bench.registry", "bench.backup", "bench.regional",
           "bench.regional_report", "bench.decisions", "bench.matching", "bench.events")


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = bench_database_url()
    # Cache in Redis as a deployment does (pages measured in this process read it, as gunicorn's do).
    from bench.pages import bench_cache_url

    os.environ["CACHE_URL"] = bench_cache_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    import django
    from django.conf import settings

    django.setup()
    # Measure what production runs: with DEBUG on, every cursor keeps a copy of its SQL, which
    # for bulk inserts of JSON documents costs real time and memory.
    settings.DEBUG = False


def registry() -> dict:
    benchmarks = {}
    for module_name in MODULES:
        for name, run in importlib.import_module(module_name).BENCHMARKS.items():
            if name in benchmarks:
                raise SystemExit(f"benchmark {name!r} is registered twice (again in {module_name})")
            benchmarks[name] = run
    return benchmarks


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_lines() -> list[str]:
    import django

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    url = bench_database_url()
    # Other work on the machine skews every figure; the load shows whether it was quiet.
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"machine   {os.cpu_count()} CPUs ({usable} usable), {_cpu_model()}, {platform.platform()}",
        f"load      {load} (1, 5, 15 min averages at start)",
        f"versions  Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {server_version(url)}",
        f"database  {url.rsplit('@', 1)[-1]}",
    ]


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.4f}"


def format_figures(figures) -> list[str]:
    rows = [("figure", "value", "unit", "baseline", "ratio", "")]
    for figure in figures:
        baseline = f"{_number(figure.baseline)} ({figure.baseline_name})" if figure.baseline else "—"
        ratio = f"{figure.ratio:.1f}× cost" if figure.ratio is not None else "—"
        rows.append((figure.name, _number(figure.value), figure.unit, baseline, ratio, figure.note))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return [_line(row, widths) for row in rows]


def _line(row: tuple[str, ...], widths: list[int]) -> str:
    cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]),
             row[3].ljust(widths[3]), row[4].rjust(widths[4]), row[5]]
    return ("  " + "  ".join(cells)).rstrip()


def main(argv: list[str] | None = None) -> int:
    _setup_django()
    from bench import BenchError, Run

    benchmarks = registry()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(benchmarks)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the benchmarks, not the speed")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in benchmarks]:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(benchmarks)}")

    mode = "quick (tiny sizes: figures are not meaningful)" if args.quick else "full"
    print(f"dx-portal benchmarks — {datetime.now():%Y-%m-%d %H:%M} — {mode}")
    print("\n".join(machine_lines()))
    print("ratio = time per unit relative to the baseline measured in the same process")
    run = Run(quick=args.quick, prepare_database=fresh_django_database)
    failed = []
    for name in args.names or benchmarks:
        print(f"\n[{name}]", flush=True)
        started = time.perf_counter()
        try:
            figures = benchmarks[name](run)
        except BenchError as exc:
            print(f"  FAILED: {exc}")
            failed.append(name)
            continue
        print("\n".join(format_figures(figures)))
        print(f"  ({time.perf_counter() - started:.1f} s including setup)", flush=True)
    if failed:
        print(f"\nwrong results in: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
