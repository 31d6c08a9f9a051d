"""Regional report fixtures: a small Longhua/Nanshan/Bao'an population (the regional dashboards'
``districts``) plus four Longhua firms with real scored results (so dimensions, items and
recommendations have data), a fake html_to_pdf for every test not marked `slow`, recorded enqueues."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from diagnosis.models import Need
from diagnosis.regional_report import services
from diagnosis.report import pdf
from tests.diagnosis.api.conftest import api  # noqa: F401 — the API client per persona
from tests.diagnosis.regional.conftest import YEAR, districts  # noqa: F401 — the shared population
from tests.diagnosis.report.conftest import fake_pdf
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

SPEC_KEY = "gbt23020-2013@1.0"


@pytest.fixture(autouse=True)
def _fake_weasyprint(request, monkeypatch):
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr(pdf, "html_to_pdf", fake_pdf)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enqueued(monkeypatch):
    """Report ids handed to Celery (the task itself is not run)."""
    calls: list[int] = []
    monkeypatch.setattr(services, "render_task", SimpleNamespace(delay=calls.append))
    return calls


@pytest.fixture
def longhua(districts):  # noqa: F811
    """Longhua with its six counted firms plus four with real results in division 39."""
    for i, best in enumerate((True, False, True, False)):
        firm = EnterpriseFactory(name=f"龙华评分{i}电子有限公司", region=region("440309"), industry_division="39")
        a = scored_assessment(firm, spec_key=SPEC_KEY, best=best, year=YEAR)
        Need.objects.create(assessment=a, category="smart_manufacturing", created_by=a.created_by)
    return region("440309")


def request_report(region_, user, *, language="zh-hans", year=YEAR):
    return services.regional_report_request(region=region_, year=year, spec_key=SPEC_KEY, language=language,
                                            requested_by=user)


def ready_report(region_, user, *, language="zh-hans"):
    report = request_report(region_, user, language=language)
    assert services.regional_report_render(report_id=report.pk) == services.RenderOutcome.RENDERED
    report.refresh_from_db()
    return report
