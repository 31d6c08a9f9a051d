"""Report fixtures: a submitted assessment with needs and a site visit, a fake html_to_pdf for
every test not marked `slow` (those run real WeasyPrint), and recorded enqueues."""

import hashlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from diagnosis.models import Need, Report, SiteVisit
from diagnosis.report import pdf
from diagnosis.report import services as services_report
from tests.factories.diagnosis import scored_assessment

FAKE_PAGES = 7


def fake_pdf(html: str, *, base_url) -> bytes:
    """Stands in for WeasyPrint: the same HTML gives the same bytes, and the page tree says 7."""
    return b"%PDF-1.7\n% fake\n<</Type /Pages/Kids []/Count 7>>\n" + hashlib.sha256(html.encode()).hexdigest().encode()


@pytest.fixture(autouse=True)
def _fake_weasyprint(request, monkeypatch):
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr(pdf, "html_to_pdf", fake_pdf)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The verification page counts requests per address in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enqueued(monkeypatch):
    """Report ids handed to Celery (the task itself is not run)."""
    calls: list[int] = []
    monkeypatch.setattr(services_report, "report_render_task", SimpleNamespace(delay=calls.append))
    return calls


@pytest.fixture
def assessment(enterprise, owner):
    assessment = scored_assessment(enterprise)
    Need.objects.create(assessment=assessment, category="smart_manufacturing", description="上线 MES 系统",
                        item_codes=["sc-quality"], urgency=3, budget_wan="120.00", created_by=owner)
    return assessment


@pytest.fixture
def site_visit(assessment, district_staff):
    return SiteVisit.objects.create(assessment=assessment, visit_date=date(2025, 3, 18), participants="张三、李四",
                                    findings="车间设备联网率低，建议优先建设工业网络。", recorded_by=district_staff)


def ready_report(assessment, user, *, language="zh-hans") -> Report:
    """A rendered report row, through the real request and render services."""
    report = services_report.report_request(assessment=assessment, requested_by=user, language=language)
    assert services_report.report_render(report_id=report.pk) == services_report.RenderOutcome.RENDERED
    report.refresh_from_db()
    return report
