"""Regional analysis report benchmark (issue #12): one 《XX区YYYY年重点企业数字化转型诊断分析报告》
end to end against WeasyPrint alone on a trivial page.

Data: the regional demo (``portal.demo_regional.seed_regional``: Longhua's 1,640 assessed 规上 firms,
the other Shenzhen and Dongguan districts, two years, needs), seeded once into the bench database and
rolled up as ``manage.py regional_rebuild`` does. The report is Longhua's for the demo's current year,
requested through the real service in-process with Celery eager: ``regional_report_request`` hashes
the inputs, creates the row and, on commit, runs the render task (claim, input check, every regional
aggregate, the weakest items and recommendations, template, WeasyPrint, atomic write, completion).
Baseline: ``html_to_pdf`` on a one-paragraph page in the same process — the fixed cost of starting a
WeasyPrint rendering — so the ratio says how many trivial PDFs one regional report costs. Best of 3
(quick: 1); rows and files are removed between passes so every pass renders.
"""

from __future__ import annotations

import time

from bench import BenchError, Figure, Run
from bench.reports import _celery, _media_root

REPEATS = 3
TRIVIAL_PAGE = '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body><p>基准页</p></body></html>'
SPEC_KEY = "gbt23020-2013@1.0"
REGION = "440309"  # Longhua


def _seed() -> tuple[object, int, object]:
    from django.utils import timezone

    from diagnosis.regional import rollup
    from portal.demo_regional import seed_regional
    from portal.models import Region, User

    seed_regional()
    rollup.rebuild()
    user, _created = User.objects.get_or_create(username="bench-regional-report")
    return Region.objects.get(code=REGION), timezone.localdate().year, user


def measure_regional_report(*, repeats: int = REPEATS) -> list[Figure]:
    from django.test.utils import override_settings

    from diagnosis.models import RegionalReport
    from diagnosis.regional_report import services
    from diagnosis.report import pdf

    region, year, user = _seed()
    best_report, report = float("inf"), None
    with _media_root(), _celery(eager=True), override_settings(REPORTS_IN_BACKGROUND_THREAD=False):
        for _ in range(repeats):
            for old in RegionalReport.objects.filter(region=region):
                old.pdf.delete(save=False)
                old.delete()
            started = time.perf_counter()
            report = services.regional_report_request(region=region, year=year, spec_key=SPEC_KEY,
                                                      language="zh-hans", requested_by=user)
            best_report = min(best_report, time.perf_counter() - started)
            report.refresh_from_db()
            if report.status != RegionalReport.Status.READY:
                raise BenchError(f"regional report {report.pk} is {report.status}, not ready: {report.error}")
        best_trivial = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            pdf.html_to_pdf(TRIVIAL_PAGE, base_url=pdf.asset_root())
            best_trivial = min(best_trivial, time.perf_counter() - started)
    firms = report.facts.get("firms")
    note = f"{region.name} {year}, {firms} firms, {report.pages} pages, best of {repeats}"
    return [Figure(name="regional report end to end (eager task)", value=best_report, unit="s/report",
                   baseline=best_trivial, baseline_name="html_to_pdf alone on a trivial page",
                   higher_is_better=False, note=note)]


def run_regional_report(run: Run) -> list[Figure]:
    run.database()
    return measure_regional_report(repeats=1 if run.quick else REPEATS)


BENCHMARKS = {"regional-report": run_regional_report}
