"""Questionnaire views: start, step pages, HTMX autosave with conflicts, submit; owner / teammate /
outsider personas."""

import json

import pytest

from diagnosis.fill.services import assessment_start
from diagnosis.models import Answer, Assessment
from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(owner, enterprise):
    return assessment_start(enterprise=enterprise, actor=owner)


def _post_answer(client, assessment, item, version=0, **data):
    return client.post(f"/assessments/{assessment.pk}/answer/", {"item": item, "version": version, **data},
                       HTTP_HX_REQUEST="true")


def test_owner_starts_an_assessment_with_a_chosen_standard(login, owner, enterprise):
    client = login(owner)
    page = client.get("/assessments/")
    assert "gbt39116-2020@1.0" in page.content.decode()
    response = client.post("/assessments/start/", {"enterprise": enterprise.pk, "spec": "gbt23020-2013@1.0"})
    assessment = Assessment.objects.get()
    assert response["Location"] == f"/assessments/{assessment.pk}/fill/"
    assert assessment.spec_key == "gbt23020-2013@1.0"


def test_outsider_cannot_start_for_another_enterprise(login, outsider, enterprise):
    client = login(outsider)
    assert client.post("/assessments/start/", {"enterprise": enterprise.pk}).status_code == 404
    assert not Assessment.objects.exists()


def test_viewer_cannot_start(login, teammate, enterprise):
    client = login(teammate)
    assert client.post("/assessments/start/", {"enterprise": enterprise.pk}).status_code == 403


def test_step_pages_render_every_section(login, owner, assessment):
    client = login(owner)
    first = client.get(f"/assessments/{assessment.pk}/fill/")
    assert first.status_code == 200
    html = first.content.decode()
    assert 'id="q-network"' in html and "<progress" in html
    for step in first.context["steps"]:
        assert client.get(f"/assessments/{assessment.pk}/fill/{step.code}/").status_code == 200


def test_autosave_returns_the_question_with_a_saved_stamp_and_visibility(login, owner, assessment):
    client = login(owner)
    response = _post_answer(client, assessment, "network", value=["workshop-control", "industrial-5g"])
    assert response.status_code == 200
    assert '<span class="saved">已保存 ' in response.content.decode()  # the "已保存 hh:mm" stamp
    trigger = json.loads(response["HX-Trigger"])["answers-changed"]
    assert "network" in trigger["visible"] and trigger["answered"] == 1
    assert Answer.objects.get(item_code="network").version == 1


def test_conditional_question_hides_and_keeps_its_answer(login, owner, assessment):
    client = login(owner)
    _post_answer(client, assessment, "network", value=["workshop-control"])
    _post_answer(client, assessment, "device-networking", numerator="3", denominator="10")
    response = _post_answer(client, assessment, "network", version=1, value=["none"])
    visible = json.loads(response["HX-Trigger"])["answers-changed"]["visible"]
    assert "device-networking" not in visible
    assert Answer.objects.filter(item_code="device-networking").exists()  # kept until submission


def test_ratio_shows_its_band(login, owner, assessment):
    client = login(owner)
    response = _post_answer(client, assessment, "device-digitisation", numerator="35", denominator="100")
    html = response.content.decode()
    assert "35.00%" in html and "20–40%" in html


def test_stale_autosave_gets_409_with_both_answers(login, owner, editor, assessment, client):
    login(owner)
    _post_answer(client, assessment, "network", value=["workshop-control"])
    from diagnosis.fill.services import answer_save

    answer_save(assessment=assessment, actor=editor, item_code="network", value=["industrial-5g"], expected_version=1)
    response = _post_answer(client, assessment, "network", version=1, value=["full-coverage"])
    assert response.status_code == 409
    html = response.content.decode()
    assert "conflict-box" in html
    assert Answer.objects.get(item_code="network").value == ["industrial-5g"]
    # Keeping my answer re-posts with the version the conflict form now carries.
    assert 'id="v-network" value="2" hx-swap-oob="true"' in html
    assert _post_answer(client, assessment, "network", version=2, value=["full-coverage"]).status_code == 200


def test_invalid_answer_gets_422_and_nothing_is_stored(login, owner, assessment):
    client = login(owner)
    response = _post_answer(client, assessment, "device-digitisation", numerator="12", denominator="3")
    assert response.status_code == 422
    assert not Answer.objects.exists()


def test_unknown_item_is_400(login, owner, assessment):
    client = login(owner)
    assert _post_answer(client, assessment, "no-such-item", value="x").status_code == 400


def test_teammate_reads_but_cannot_answer(login, teammate, assessment):
    client = login(teammate)
    assert _post_answer(client, assessment, "network", value=["none"]).status_code == 403
    assert client.get(f"/assessments/{assessment.pk}/fill/").status_code == 403
    assert client.get(f"/assessments/{assessment.pk}/answers/").status_code == 200


def test_outsider_gets_404_everywhere(login, outsider, assessment):
    client = login(outsider)
    for url in (f"/assessments/{assessment.pk}/", f"/assessments/{assessment.pk}/fill/",
                f"/assessments/{assessment.pk}/answers/", f"/assessments/{assessment.pk}/submit/"):
        assert client.get(url).status_code == 404, url
    assert _post_answer(client, assessment, "network", value=["none"]).status_code == 404


def test_submit_lists_missing_answers_with_links(login, owner, assessment):
    client = login(owner)
    page = client.get(f"/assessments/{assessment.pk}/submit/")
    html = page.content.decode()
    assert f"/assessments/{assessment.pk}/fill/foundation/#w-network" in html
    assert 'name="pledge"' not in html


def test_submit_with_pledge_freezes_and_locks(login, owner, assessment):
    client = login(owner)
    for code, value in full_answers(get_spec(assessment.spec_key)).items():
        if isinstance(value, dict):
            _post_answer(client, assessment, code, **value)
        else:
            _post_answer(client, assessment, code, value=value)
    assert client.post(f"/assessments/{assessment.pk}/submit/", {}).status_code == 200  # no pledge
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    response = client.post(f"/assessments/{assessment.pk}/submit/", {"pledge": "on"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "submitted" and str(assessment.total) == "100.00"
    # Read-only now: autosave refused with a clear message, nothing changes.
    blocked = _post_answer(client, assessment, "network", version=1, value=["none"])
    assert blocked.status_code == 422
    assert Answer.objects.get(item_code="network").value != ["none"]
    again = client.post(f"/assessments/{assessment.pk}/submit/", {"pledge": "on"})
    assert again.status_code == 200
    assert Assessment.objects.get().submitted_at == assessment.submitted_at


def test_a_half_typed_ratio_is_not_saved_and_leaves_the_page_alone(login, owner, assessment):
    client = login(owner)
    response = _post_answer(client, assessment, "device-digitisation", numerator="30", denominator="")
    assert response.status_code == 204
    assert not Answer.objects.exists()


def test_a_returned_assessment_shows_the_bureau_comment(login, owner, assessment):
    Assessment.objects.filter(pk=assessment.pk).update(status="returned", review_comment="请补充设备台账<script>")
    html = login(owner).get(f"/assessments/{assessment.pk}/fill/").content.decode()
    assert "请补充设备台账&lt;script&gt;" in html


def test_a_version_for_a_question_never_answered_is_a_conflict_not_a_server_error(login, owner, assessment):
    # A page that believes the question was saved once (version 1) while nothing is stored: the
    # same answer as the API gives (409), with the question shown as not answered yet.
    response = _post_answer(login(owner), assessment, "network", version=1, value=["industrial-5g"])
    assert response.status_code == 409
    assert 'id="v-network" value="0"' in response.content.decode()
    assert not Answer.objects.filter(assessment=assessment, item_code="network").exists()


@pytest.mark.parametrize("production_type", ["discrete", "process"])
def test_every_offered_step_has_a_question_to_answer(login, owner, enterprise, production_type):
    """#13 minor: GB/T 39116 opened on an empty first step for a discrete manufacturer."""
    enterprise.production_type = production_type
    enterprise.save()
    assessment = assessment_start(enterprise=enterprise, actor=owner, spec_key="gbt39116-2020@1.0")
    client = login(owner)
    first = client.get(f"/assessments/{assessment.pk}/fill/")
    assert first.status_code == 200
    for step in first.context["steps"]:
        page = client.get(f"/assessments/{assessment.pk}/fill/{step.code}/")
        visible = [q for _block, questions in page.context["questions"] for q in questions if not q["hidden"]]
        assert visible, f"step {step.code} shows no question"
    questions = [q for _block, qs in first.context["questions"] for q in qs if not q["hidden"]]
    assert questions
