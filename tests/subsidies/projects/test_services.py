"""Project filing and acceptance: T0 baseline, T1 on the same standard after filing, evidence,
staff decision scoped by region; points per yuan over accepted projects."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.models import AuditEvent
from subsidies.models import Application
from subsidies.projects import selectors, services
from subsidies.projects.models import Project, ProjectFile
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import ProviderFactory
from tests.factories.subsidies_integrity import application
from tests.portal.test_files import minimal_pdf

pytestmark = pytest.mark.django_db


def pdf():
    return SimpleUploadedFile("验收报告.pdf", minimal_pdf(), content_type="application/pdf")


def values(**changes):
    base = {"title": "车间MES上线", "solution": "轻量化MES", "scope": "两条产线的生产执行与质量追溯",
            "planned_investment": "300000.00", "spec_code": "sme-2024", "target_dimensions": ["management"]}
    base.update(changes)
    return base


@pytest.fixture
def baseline(enterprise, owner):
    return scored_assessment(enterprise, user=owner, best=False, when=timezone.now() - dt.timedelta(days=200))


@pytest.fixture
def project(enterprise, owner, baseline):
    return services.file_project(enterprise=enterprise, actor=owner,
                                 values=values(provider=ProviderFactory().pk))


def t1(enterprise, owner, project, **fields):
    return scored_assessment(enterprise, user=owner, best=True, when=project.filed_at + dt.timedelta(days=90),
                             **fields)


def test_filing_gets_a_number_and_the_baseline(project, baseline):
    assert project.filing_number.startswith(f"BA{timezone.localdate():%Y}") and project.baseline == baseline
    assert project.status == Project.Status.FILED
    assert AuditEvent.objects.filter(action="project.file", object_id=str(project.pk)).exists()


@pytest.mark.parametrize(("change", "code"), [
    ({"planned_investment": "-1"}, "planned_investment_negative"),
    ({"planned_investment": "1.001"}, "planned_investment_too_many_places"),
    ({"planned_investment": "9999999999999"}, "planned_investment_too_large"),
    ({"title": "MES\x00"}, "title_nul"),
    ({"target_dimensions": []}, "dimensions"),
    ({"target_dimensions": ["nope"]}, "dimensions"),
    ({"spec_code": "cmmm"}, "no_baseline"),
    ({"provider": "999999"}, "provider"),
    ({"provider": "abc"}, "provider"),
    ({"application": "999999"}, "application"),
])
def test_bad_filings_are_refused(enterprise, owner, baseline, change, code):
    with pytest.raises(Invalid) as refused:
        services.file_project(enterprise=enterprise, actor=owner, values=values(**change))
    assert refused.value.code == code
    assert not Project.objects.exists()


def test_only_writers_file(enterprise, teammate, outsider, district_staff, baseline):
    for actor in (teammate, outsider, district_staff):
        with pytest.raises(Forbidden):
            services.file_project(enterprise=enterprise, actor=actor, values=values())
    assert not Project.objects.exists()


def test_acceptance_needs_evidence_and_a_later_t1_on_the_same_standard(project, enterprise, owner, baseline):
    before = scored_assessment(enterprise, user=owner, when=project.filed_at - dt.timedelta(days=1))
    for follow_up, code in [(baseline.pk, "follow_up"), (before.pk, "follow_up"), ("x", "follow_up"),
                            (999999, "follow_up")]:
        with pytest.raises(Invalid) as refused:
            services.request_acceptance(project=project, actor=owner, follow_up_id=follow_up, files=[pdf()],
                                        expected_version=0)
        assert refused.value.code == code
    later = t1(enterprise, owner, project)
    with pytest.raises(Invalid) as refused:
        services.request_acceptance(project=project, actor=owner, follow_up_id=later.pk, files=[], expected_version=0)
    assert refused.value.code == "evidence_required"
    with pytest.raises(Conflict):
        services.request_acceptance(project=project, actor=owner, follow_up_id=later.pk, files=[pdf()],
                                    expected_version=3)
    assert not ProjectFile.objects.exists()
    done = services.request_acceptance(project=project, actor=owner, follow_up_id=later.pk, files=[pdf()],
                                       expected_version=0)
    assert done.status == Project.Status.ACCEPTANCE_REQUESTED and done.follow_up == later


def test_staff_accept_or_return(project, enterprise, owner, district_staff, other_district_staff, city_staff):
    later = t1(enterprise, owner, project)
    project = services.request_acceptance(project=project, actor=owner, follow_up_id=later.pk, files=[pdf()],
                                          expected_version=0)
    with pytest.raises(Forbidden):
        services.decide_acceptance(project=project, actor=other_district_staff, accept=True, expected_version=1)
    with pytest.raises(Forbidden):
        services.decide_acceptance(project=project, actor=owner, accept=True, expected_version=1)
    with pytest.raises(Invalid):  # a return says why
        services.decide_acceptance(project=project, actor=district_staff, accept=False, note="",
                                   expected_version=1)
    returned = services.decide_acceptance(project=project, actor=district_staff, accept=False,
                                          note="请补充上线截图", expected_version=1)
    assert returned.status == Project.Status.RETURNED
    with pytest.raises(WrongState):
        services.decide_acceptance(project=returned, actor=city_staff, accept=True, expected_version=2)
    again = services.request_acceptance(project=returned, actor=owner, follow_up_id=later.pk, files=[],
                                        expected_version=2)  # the evidence already uploaded counts
    accepted = services.decide_acceptance(project=again, actor=city_staff, accept=True, expected_version=3)
    assert accepted.status == Project.Status.ACCEPTED
    assert AuditEvent.objects.filter(action="project.accept").count() == 1


def test_points_per_yuan_over_accepted_projects(project, enterprise, owner, district_staff, other_district_staff):
    app = application(enterprise, filed_by=owner, status=Application.Status.DISBURSED)
    Application.objects.filter(pk=app.pk).update(decided_amount=Decimal("50000.00"),
                                                 budget_line=app.version.budget_lines.get())
    Project.objects.filter(pk=project.pk).update(application=app)
    later = t1(enterprise, owner, project)
    project.refresh_from_db()
    project = services.request_acceptance(project=project, actor=owner, follow_up_id=later.pk, files=[pdf()],
                                          expected_version=0)
    services.decide_acceptance(project=project, actor=district_staff, accept=True, expected_version=1)
    gain = services.dimension_points(later)["management"] - services.dimension_points(project.baseline)["management"]
    assert gain > 0
    data = selectors.points_per_yuan(district_staff)
    overall = data["overall"]
    assert overall.n == 1 and overall.subsidy == Decimal("50000.00")
    assert overall.points_per_10k == (Decimal(gain) / 5).quantize(Decimal("0.01"))
    assert selectors.points_per_yuan(other_district_staff)["overall"].n == 0
