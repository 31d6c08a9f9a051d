"""The review page: every answer beside its points and evidence links, and who may open it
(404 outside the scope, 403 in scope without a reviewer's role, R9 segregation)."""

import pytest

from diagnosis.models import ExpertAssignment
from tests.diagnosis.review.conftest import add_evidence
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import MembershipFactory, StaffFactory, region

pytestmark = pytest.mark.django_db


def test_shows_every_answer_with_points_and_evidence_links(login, district_staff, submitted):
    evidence = add_evidence(submitted, "network")
    response = login(district_staff).get(f"/review/{submitted.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    sheet = response.context["sheet"]
    shown = [row.item.code for _section, rows in sheet.sections for row in rows]
    assert sorted(shown) == sorted(submitted.submitted_answers)
    network = next(row for _s, rows in sheet.sections for row in rows if row.item.code == "network")
    assert network.declared.points == "8.00" and network.declared.max_points == "8.00"
    assert f'href="/assessments/evidence/{evidence.pk}/download/"' in html and "网络拓扑图.pdf" in html
    assert 'id="item-network"' in html
    # Correction forms, decisions and the expert form are offered to district staff.
    assert f'action="/review/{submitted.pk}/items/network/correct/"' in html
    assert f'action="/review/{submitted.pk}/approve/"' in html
    assert f'action="/review/{submitted.pk}/return/"' in html


def test_city_staff_review_their_districts(login, city_staff, submitted):
    assert login(city_staff).get(f"/review/{submitted.pk}/").status_code == 200


@pytest.mark.parametrize("persona", ["other_district_staff", "other_city_staff", "outsider", "expert"])
def test_outside_the_scope_is_404_on_the_page_and_every_action(request, login, submitted, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(f"/review/{submitted.pk}/").status_code == 404
    for suffix in ("items/network/correct/", "approve/", "return/", "experts/", "opinion/", "visits/"):
        assert client.post(f"/review/{submitted.pk}/{suffix}", {"review_version": 0}).status_code == 404, suffix
    assert client.get(f"/review/{submitted.pk}/visits/1/notes/").status_code == 404


@pytest.mark.parametrize("persona", ["owner", "teammate", "editor"])
def test_the_enterprise_itself_cannot_review(request, login, submitted, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(f"/review/{submitted.pk}/").status_code == 403
    assert client.post(f"/review/{submitted.pk}/approve/", {"review_version": 0}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_drafts_are_not_reviewable(login, district_staff, owner, enterprise):
    from diagnosis.fill.services import assessment_start

    draft = assessment_start(enterprise=enterprise, actor=owner)
    assert login(district_staff).get(f"/review/{draft.pk}/").status_code == 404


def test_a_reviewer_who_belongs_to_the_enterprise_is_refused(login, submitted, enterprise):
    conflicted = StaffFactory(staff_role="district_staff", region=region("440309"))
    MembershipFactory(user=conflicted, enterprise=enterprise, role="viewer")
    client = login(conflicted)
    assert client.get(f"/review/{submitted.pk}/").status_code == 403
    assert client.post(f"/review/{submitted.pk}/approve/", {"review_version": 0}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_an_assigned_expert_sees_the_assessment_without_decisions(login, expert, district_staff, submitted):
    ExpertAssignment.objects.create(assessment=submitted, expert=expert, assigned_by=district_staff)
    response = login(expert).get(f"/review/{submitted.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="/review/{submitted.pk}/items/network/correct/"' in html
    assert f'action="/review/{submitted.pk}/opinion/"' in html
    assert "/approve/" not in html and "/return/" not in html and "/experts/" not in html


def test_expert_assignment_list_shows_only_their_own(login, expert, district_staff, submitted, other_enterprise):
    other = scored_assessment(other_enterprise)
    ExpertAssignment.objects.create(assessment=submitted, expert=expert, assigned_by=district_staff)
    ExpertAssignment.objects.create(assessment=other, expert=StaffFactory(staff_role="expert", region=None),
                                    assigned_by=district_staff)
    client = login(expert)
    response = client.get("/review/assignments/")
    assert [a.assessment_id for a in response.context["page"]] == [submitted.pk]
    assert f'href="/review/{submitted.pk}/"' in response.content.decode()
    assert client.get(f"/review/{other.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["district_staff", "owner"])
def test_only_experts_have_an_assignment_list(request, login, persona):
    assert login(request.getfixturevalue(persona)).get("/review/assignments/").status_code == 403


def test_nav_links(login, district_staff, expert, client):
    assert 'href="/review/"' in login(district_staff).get("/").content.decode()
    client.logout()
    assert 'href="/review/assignments/"' in login(expert).get("/").content.decode()


def test_the_decision_comes_after_the_answers_and_evidence(login, district_staff, submitted):
    """#13 minor: a reviewer reads the answers before the approve/return controls."""
    html = login(district_staff).get(f"/review/{submitted.pk}/").content.decode()
    answers = html.index('id="answers"')
    last_item = html.rindex('id="item-')
    assert answers < last_item < html.index(f'action="/review/{submitted.pk}/approve/"')
    assert answers < html.index(f'action="/review/{submitted.pk}/return/"')
    assert html.index('href="#decision-title"') < answers
