"""Item corrections: validated against the pinned spec, reason required, the verified score
recomputed from submitted answers + corrections while the self-declared score stays as it was."""

from decimal import Decimal

import pytest

from diagnosis.models import ExpertAssignment, ItemCorrection
from diagnosis.review import services as services_review
from portal.exceptions import DomainError
from portal.models import AuditEvent
from tests.factories.diagnosis import scored_assessment

pytestmark = pytest.mark.django_db


def test_a_correction_recomputes_the_verified_score(login, district_staff, submitted, review):
    login(district_staff)
    response = review.post(submitted, "items/network/correct/",
                           {"value": ["workshop-control"], "reason": "现场仅见车间级控制网络"})
    assert response.status_code == 302 and response["Location"] == f"/review/{submitted.pk}/#item-network"
    submitted.refresh_from_db()
    correction = ItemCorrection.objects.get(assessment=submitted)
    assert (correction.item_code, correction.verified_value) == ("network", ["workshop-control"])
    assert correction.declared_value == submitted.submitted_answers["network"]
    assert correction.corrected_by == district_staff
    # Self-declared: untouched. Verified: network scores 2 of 8 now.
    assert submitted.total == Decimal("100.00") and submitted.result["total"] == "100.00"
    assert submitted.verified_total == Decimal("94.00")
    network = next(i for i in submitted.verified_result["items"] if i["code"] == "network")
    assert network["points"] == "2.00"
    assert submitted.review_version == 1
    event = AuditEvent.objects.get(action="assessment.correct")
    assert event.detail["before"]["value"] == submitted.submitted_answers["network"]
    assert event.detail["before"]["verified_total"] is None
    assert event.detail["after"] == {"status": "submitted", "verified_total": "94.00",
                                     "verified_level": submitted.verified_level, "value": ["workshop-control"]}


def test_the_page_shows_declared_and_verified_side_by_side(login, district_staff, submitted, review):
    client = login(district_staff)
    review.post(submitted, "items/network/correct/", {"value": ["workshop-control"], "reason": "核查"})
    response = client.get(f"/review/{submitted.pk}/")
    sheet = response.context["sheet"]
    assert [row.item.code for row in sheet.corrected] == ["network"]
    foundation = next(d for d in sheet.dimensions if d.dimension.code == "foundation")
    assert (foundation.declared.points, foundation.verified.points) == ("50.00", "44.00") and foundation.changed
    html = response.content.decode()
    assert "94.00" in html and "100.00" in html and "核查" in html


def test_giving_the_declared_answer_again_withdraws_the_correction(district_staff, submitted):
    services_review.item_correct(assessment=submitted, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="核查", expected_version=0)
    services_review.item_correct(assessment=submitted, actor=district_staff, item_code="network",
                                 value=submitted.submitted_answers["network"], reason="补充材料已证实",
                                 expected_version=1)
    submitted.refresh_from_db()
    assert not ItemCorrection.objects.exists()
    assert submitted.verified_total == submitted.total


@pytest.mark.parametrize("data", [
    {"value": ["warp-drive"], "reason": "x"},  # not an option of the question
    {"value": ["none", "workshop-control"], "reason": "x"},  # exclusive option combined (spec rule)
    {"value": ["workshop-control"], "reason": ""},  # the reason is required
    {"value": ["workshop-control"], "reason": "x" * 2001},
])
def test_invalid_corrections_are_refused_and_nothing_changes(login, district_staff, submitted, review, data):
    login(district_staff)
    response = review.post(submitted, "items/network/correct/", data)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()
    submitted.refresh_from_db()
    assert not ItemCorrection.objects.exists()
    assert submitted.verified_total is None and submitted.review_version == 0
    assert not AuditEvent.objects.filter(action="assessment.correct").exists()


def test_an_invalid_ratio_is_refused(login, district_staff, submitted, review):
    login(district_staff)
    response = review.post(submitted, "items/device-digitisation/correct/",
                           {"numerator": "12", "denominator": "3", "reason": "x"})
    assert response.status_code == 422
    assert not ItemCorrection.objects.exists()


def test_a_ratio_correction(login, district_staff, submitted, review):
    login(district_staff)
    response = review.post(submitted, "items/device-digitisation/correct/",
                           {"numerator": "30", "denominator": "100", "reason": "设备台账"})
    assert response.status_code == 302
    assert ItemCorrection.objects.get().verified_value == {"numerator": "30", "denominator": "100"}


def test_a_correction_that_opens_unanswered_questions_is_refused(district_staff, enterprise):
    # Declared "no network at all": the networking ratio was never asked. Correcting the network
    # answer would make it applicable without an answer, so the score cannot be verified.
    weak = scored_assessment(enterprise, best=False)
    assert "device-networking" not in weak.submitted_answers
    with pytest.raises(DomainError) as excinfo:
        services_review.item_correct(assessment=weak, actor=district_staff, item_code="network",
                                     value=["workshop-control"], reason="x", expected_version=0)
    assert excinfo.value.code == "unscorable"
    assert not ItemCorrection.objects.exists()
    refused = AuditEvent.objects.get(action="assessment.review_refused")
    assert refused.outcome == "failure" and refused.detail == {"action": "correct", "reason": "unscorable"}


def test_a_question_outside_the_submitted_answers_cannot_be_corrected(district_staff, enterprise):
    weak = scored_assessment(enterprise, best=False)
    with pytest.raises(DomainError) as excinfo:
        services_review.item_correct(assessment=weak, actor=district_staff, item_code="device-networking",
                                     value={"numerator": 1, "denominator": 2}, reason="x", expected_version=0)
    assert excinfo.value.code == "not_applicable"


def test_unknown_question_is_404(login, district_staff, submitted, review):
    login(district_staff)
    assert review.post(submitted, "items/no-such-item/correct/", {"reason": "x"}).status_code == 404


def test_an_assigned_expert_corrects_too(login, expert, district_staff, submitted, review):
    ExpertAssignment.objects.create(assessment=submitted, expert=expert, assigned_by=district_staff)
    login(expert)
    response = review.post(submitted, "items/network/correct/", {"value": ["workshop-control"], "reason": "专家意见"})
    assert response.status_code == 302
    assert ItemCorrection.objects.get().corrected_by == expert


def test_corrections_end_with_the_decision(district_staff, submitted):
    services_review.assessment_approve(assessment=submitted, actor=district_staff, expected_version=0)
    with pytest.raises(DomainError) as excinfo:
        services_review.item_correct(assessment=submitted, actor=district_staff, item_code="network",
                                     value=["workshop-control"], reason="x", expected_version=1)
    assert excinfo.value.code == "conflict"
