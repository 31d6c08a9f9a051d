"""Approve, return for revision, expert assignment and opinion: the workflow table, before/after
audit, and conflicts (double approve, approve after return, a stale form) that change nothing."""

import pytest

from diagnosis.fill.services import answer_save, assessment_submit
from diagnosis.models import Assessment, ExpertAssignment
from diagnosis.review import services as services_review
from portal.exceptions import DomainError
from portal.models import AuditEvent
from tests.factories.portal import MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _reload(assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def test_approve_makes_the_verified_score_final(login, district_staff, submitted, review,
                                                django_capture_on_commit_callbacks, monkeypatch):
    hooked = []
    monkeypatch.setattr(services_review, "on_assessment_approved", lambda a: hooked.append(a.pk))
    login(district_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = review.post(submitted, "approve/", {"comment": "材料齐全"})
    assert response.status_code == 302
    approved = _reload(submitted)
    assert approved.status == "approved" and approved.reviewed_by == district_staff
    assert approved.reviewed_at is not None and approved.review_comment == "材料齐全"
    # Nothing corrected: the verified score is the self-declared one.
    assert approved.verified_total == approved.total and approved.verified_level == approved.level
    assert approved.review_version == 1
    assert hooked == [submitted.pk]
    event = AuditEvent.objects.get(action="assessment.approve")
    assert event.detail["before"] == {"status": "submitted", "verified_total": None, "verified_level": ""}
    assert event.detail["after"] == {"status": "approved", "verified_total": "100.00",
                                     "verified_level": approved.level}


def test_the_approval_hook_runs_only_after_commit(district_staff, submitted, django_capture_on_commit_callbacks,
                                                  monkeypatch):
    hooked = []
    monkeypatch.setattr(services_review, "on_assessment_approved", lambda a: hooked.append(a.pk))
    with django_capture_on_commit_callbacks() as callbacks:
        services_review.assessment_approve(assessment=submitted, actor=district_staff, expected_version=0)
    # The approval also queues its notification e-mails on commit, and cache versions (roll-up, result
    # pages, the unread badge) are bumped again on commit; the hook is one more callback.
    names = [c.__qualname__ for c in callbacks]
    assert hooked == [] and "assessment_approve.<locals>.<lambda>" in names
    assert "enqueue_on_commit.<locals>.publish" in names
    for callback in callbacks:
        callback()
    assert hooked == [submitted.pk]


def test_approval_keeps_corrections_in_the_verified_score(district_staff, submitted):
    services_review.item_correct(assessment=submitted, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="核查", expected_version=0)
    approved = services_review.assessment_approve(assessment=submitted, actor=district_staff, expected_version=1)
    assert str(approved.verified_total) == "94.00" and str(approved.total) == "100.00"
    event = AuditEvent.objects.get(action="assessment.approve")
    assert event.detail["corrections"] == {"network": ["workshop-control"]}


def test_return_needs_a_comment(login, district_staff, submitted, review):
    login(district_staff)
    assert review.post(submitted, "return/", {"comment": "  "}).status_code == 422
    assert _reload(submitted).status == "submitted"


def test_returned_assessments_can_be_edited_and_resubmitted(login, district_staff, owner, submitted, review):
    login(district_staff)
    response = review.post(submitted, "return/", {"comment": "请补充网络建设证明材料"})
    assert response.status_code == 302
    returned = _reload(submitted)
    assert returned.status == "returned" and returned.review_comment == "请补充网络建设证明材料"
    event = AuditEvent.objects.get(action="assessment.return")
    assert event.detail["before"]["status"] == "submitted" and event.detail["after"]["status"] == "returned"
    # The answers are kept; the enterprise edits one and submits again, which rescores.
    assert returned.answers.count() > 0
    network = returned.answers.get(item_code="network")
    answer_save(assessment=returned, actor=owner, item_code="network", value=["workshop-control"],
                expected_version=network.version)
    resubmitted = assessment_submit(assessment=returned, actor=owner, pledge=True)
    assert resubmitted.status == "submitted" and str(resubmitted.total) == "94.00"


def test_resubmission_clears_the_previous_review(district_staff, owner, submitted):
    services_review.item_correct(assessment=submitted, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="核查", expected_version=0)
    services_review.assessment_return(assessment=submitted, actor=district_staff, comment="请修改",
                                      expected_version=1)
    resubmitted = assessment_submit(assessment=_reload(submitted), actor=owner, pledge=True)
    assert resubmitted.verified_result is None and resubmitted.verified_total is None
    assert not resubmitted.corrections.exists()
    assert resubmitted.review_version == 3


def test_double_approve_is_a_conflict(login, district_staff, submitted, review):
    login(district_staff)
    assert review.post(submitted, "approve/", {}, version=0).status_code == 302
    response = review.post(submitted, "approve/", {}, version=0)
    assert response.status_code == 409
    assert "msg-error" in response.content.decode()
    assert AuditEvent.objects.filter(action="assessment.approve").count() == 1
    assert _reload(submitted).review_version == 1


def test_approve_after_return_is_a_conflict(login, district_staff, submitted, review):
    login(district_staff)
    review.post(submitted, "return/", {"comment": "请修改"}, version=0)
    response = review.post(submitted, "approve/", {}, version=1)
    assert response.status_code == 409
    assert _reload(submitted).status == "returned"
    assert not AuditEvent.objects.filter(action="assessment.approve").exists()


def test_a_stale_form_is_a_conflict_and_changes_nothing(login, district_staff, city_staff, submitted, review):
    # The city reviewer corrects an item while the district reviewer still has version 0 open.
    services_review.item_correct(assessment=submitted, actor=city_staff, item_code="network",
                                 value=["workshop-control"], reason="核查", expected_version=0)
    login(district_staff)
    response = review.post(submitted, "approve/", {}, version=0)
    assert response.status_code == 409
    after = _reload(submitted)
    assert after.status == "submitted" and after.review_version == 1
    refused = AuditEvent.objects.get(action="assessment.review_refused")
    assert refused.detail == {"action": "approve", "reason": "conflict"} and refused.actor_id == district_staff.pk
    # The re-rendered page carries the current version, so the next try goes through.
    assert 'name="review_version" value="1"' in response.content.decode()
    assert review.post(submitted, "approve/", {}, version=1).status_code == 302


def test_a_stale_correction_is_a_conflict(district_staff, submitted):
    services_review.assessment_return(assessment=submitted, actor=district_staff, comment="请修改",
                                      expected_version=0)
    with pytest.raises(DomainError) as excinfo:
        services_review.item_correct(assessment=submitted, actor=district_staff, item_code="network",
                                     value=["workshop-control"], reason="x", expected_version=0)
    assert excinfo.value.code == "conflict"


def test_experts_cannot_approve_or_return(login, expert, district_staff, submitted, review):
    ExpertAssignment.objects.create(assessment=submitted, expert=expert, assigned_by=district_staff)
    login(expert)
    assert review.post(submitted, "approve/", {}).status_code == 403
    assert review.post(submitted, "return/", {"comment": "x"}).status_code == 403
    assert review.post(submitted, "experts/", {"expert": expert.pk}).status_code == 403
    assert _reload(submitted).status == "submitted"
    with pytest.raises(DomainError) as excinfo:
        services_review.assessment_approve(assessment=submitted, actor=expert, expected_version=0)
    assert excinfo.value.code == "forbidden"


def test_assigning_an_expert_lets_them_see_it(login, district_staff, expert, submitted, review, client):
    login(district_staff)
    response = review.post(submitted, "experts/", {"expert": expert.pk, "note": "请重点核查数据采集"})
    assert response.status_code == 302
    assignment = ExpertAssignment.objects.get()
    assert (assignment.expert, assignment.assigned_by, assignment.note) == (expert, district_staff, "请重点核查数据采集")
    event = AuditEvent.objects.get(action="assessment.assign_expert")
    assert event.detail["before"] == {"experts": []} and event.detail["after"] == {"experts": [expert.username]}
    client.logout()
    login(expert)
    assert client.get(f"/review/{submitted.pk}/").status_code == 200


def test_the_pool_holds_only_free_unconflicted_experts(login, district_staff, expert, submitted, enterprise, review):
    conflicted = StaffFactory(staff_role="expert", region=None)
    MembershipFactory(user=conflicted, enterprise=enterprise, role="viewer")
    inactive = StaffFactory(staff_role="expert", region=None, is_active=False)
    client = login(district_staff)
    pool = client.get(f"/review/{submitted.pk}/").context["assign_form"].fields["expert"].queryset
    assert list(pool) == [expert]
    for refused in (conflicted, inactive, district_staff):
        assert review.post(submitted, "experts/", {"expert": refused.pk}).status_code == 422
    with pytest.raises(DomainError) as excinfo:
        services_review.expert_assign(assessment=submitted, actor=district_staff, expert=conflicted,
                                      expected_version=0)
    assert excinfo.value.code == "segregation"
    assert not ExpertAssignment.objects.exists()


def test_the_expert_records_an_opinion(login, expert, district_staff, submitted, review):
    ExpertAssignment.objects.create(assessment=submitted, expert=expert, assigned_by=district_staff)
    login(expert)
    assert review.post(submitted, "opinion/", {"opinion": ""}).status_code == 422
    response = review.post(submitted, "opinion/", {"opinion": "数据采集得分偏高，建议核减"})
    assert response.status_code == 302
    assignment = ExpertAssignment.objects.get()
    assert assignment.status == "done" and assignment.opinion == "数据采集得分偏高，建议核减"
    event = AuditEvent.objects.get(action="assessment.expert_opinion")
    assert event.detail["before"] == {"status": "open", "opinion": ""}


def test_staff_do_not_give_expert_opinions(login, district_staff, submitted, review):
    login(district_staff)
    assert review.post(submitted, "opinion/", {"opinion": "x"}).status_code == 403
