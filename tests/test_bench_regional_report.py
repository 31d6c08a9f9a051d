"""The regional report benchmark's core, in-process on a small population instead of the regional demo:
it renders a ready report through the real services and reads it against WeasyPrint on a trivial page.
Speed is never asserted here, only that the figure is measured from a real, ready report."""

from decimal import Decimal

import pytest

from bench import regional_report
from tests.diagnosis.regional.conftest import YEAR, counted
from tests.factories.portal import EnterpriseFactory, StaffFactory, region

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]  # the render runs on commit


def test_the_regional_report_is_timed_against_a_trivial_weasyprint_page(monkeypatch):
    longhua = region("440309")
    for i in range(5):
        counted(EnterpriseFactory(region=longhua, industry_division="39"), Decimal(60 + i))
    user = StaffFactory(staff_role="district_staff", region=longhua)
    monkeypatch.setattr(regional_report, "_seed", lambda: (longhua, YEAR, user))
    [figure] = regional_report.measure_regional_report(repeats=1)
    assert figure.unit == "s/report" and figure.value > 0 and figure.baseline > 0
    assert figure.baseline_name == "html_to_pdf alone on a trivial page"
    assert "5 firms" in figure.note and "pages" in figure.note
