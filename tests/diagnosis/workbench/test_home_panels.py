"""Home pages as workbenches (#13 minor): the enterprise sees its current assessment, a "start a
new diagnosis" action and a to-do when returned; staff see what waits and for how long; experts
their tasks and history. Scoped like everything else."""

import datetime as dt

import pytest
from django.utils import timezone

from diagnosis.models import Assessment, ExpertAssignment
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db


def _panel(response, key):
    return next((p["panel"] for p in response.context["home_panels"] if p["key"] == key), None)


def test_a_returned_assessment_is_a_to_do_with_the_bureau_comment(login, owner, enterprise):
    scored_assessment(enterprise, user=owner, status=Assessment.Status.RETURNED, review_comment="请补充设备台账")
    response = login(owner).get("/")
    row = _panel(response, "diagnosis-enterprise")["rows"][0]
    assert row["todo"] == "revise" and not row["can_start"]
    html = response.content.decode()
    assert "请补充设备台账" in html and "修改并重新提交" in html


def test_an_approved_assessment_offers_the_result_and_a_new_diagnosis(login, owner, enterprise):
    scored_assessment(enterprise, user=owner, status=Assessment.Status.APPROVED, verified_total="54.65")
    response = login(owner).get("/")
    row = _panel(response, "diagnosis-enterprise")["rows"][0]
    assert row["todo"] == "result" and row["can_start"]
    html = response.content.decode()
    assert "核定得分 54.65" in html and "开始新的诊断" in html


def test_a_viewer_gets_no_start_action(login, teammate, enterprise):
    response = login(teammate).get("/")
    row = _panel(response, "diagnosis-enterprise")["rows"][0]
    assert row["todo"] == "" and not row["can_start"]


def test_staff_see_waiting_assessments_of_their_region_only_with_their_age(login, district_staff, enterprise):
    scored_assessment(enterprise, when=timezone.now() - dt.timedelta(days=9))
    scored_assessment(enterprise, when=timezone.now() - dt.timedelta(days=2))
    scored_assessment(EnterpriseFactory(region=region("440306")), when=timezone.now() - dt.timedelta(days=30))
    response = login(district_staff).get("/")
    panel = _panel(response, "diagnosis-review")
    assert panel["count"] == 2 and panel["oldest_days"] == 9
    assert [row["days"] for row in panel["oldest"]] == [9, 2]
    assert _panel(response, "diagnosis-enterprise") is None


def test_experts_see_their_open_tasks_and_history(login, expert, district_staff, enterprise):
    open_one = scored_assessment(enterprise)
    done_one = scored_assessment(enterprise)
    ExpertAssignment.objects.create(assessment=open_one, expert=expert, assigned_by=district_staff)
    ExpertAssignment.objects.create(assessment=done_one, expert=expert, assigned_by=district_staff,
                                    status=ExpertAssignment.Status.DONE, opinion="ok")
    panel = _panel(login(expert).get("/"), "diagnosis-expert")
    assert [r["assignment"].assessment_id for r in panel["open"]] == [open_one.pk]
    assert [a.assessment_id for a in panel["history"]] == [done_one.pk]
    assert (panel["open_count"], panel["done_count"]) == (1, 1)


def test_administrators_and_providers_get_no_diagnosis_panel(login, system_admin):
    assert login(system_admin).get("/").context["home_panels"] == []
