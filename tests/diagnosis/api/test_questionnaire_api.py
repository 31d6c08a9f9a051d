"""GET /api/v1/assessments/<id>/questionnaire/ (#13 minor: the API had no way to learn the questions):
the pinned spec's steps, questions with kinds, options, ratio inputs and scenario levels, what is
shown for this enterprise and on which answers it depends, and the stored answers with versions.
Scoped like the detail. Also the answer value's schema (oneOf, one shape per kind)."""

import pytest
from rest_framework.test import APIClient

from diagnosis.fill.questionnaire import section_of, sections, show_when
from diagnosis.fill.services import answer_save, assessment_start
from diagnosis.spec import get_spec

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _questionnaire(client, pk):
    response = client.get(f"{BASE}{pk}/questionnaire/")
    assert response.status_code == 200, response.content
    data = response.json()
    return data, {item["code"]: item for item in data["items"]}


def test_the_owner_reads_the_questions_of_the_pinned_spec(api, owner, assessment):
    data, items = _questionnaire(api(owner), assessment.pk)
    spec = get_spec(assessment.spec_key)
    assert data["assessment"] == assessment.pk and data["spec"] == "sme-2024@1.0" and data["editable"] is True
    assert set(items) == set(spec.items)
    assert data["progress"] == {"answered": 0, "total": len([i for i in items.values() if i["visible"]])}
    # Steps in order, each with its blocks naming the questions.
    assert [s["code"] for s in data["sections"]] == [s.code for s in sections(spec)]
    assert {code for s in data["sections"] for b in s["blocks"] for code in b["items"]} == set(spec.items)

    network = items["network"]
    assert network["kind"] == "multi" and network["section"] == section_of(spec, "network")
    assert {"code": "none", "label": "以上均无", "label_en": "None of the above", "exclusive": True} \
        in network["options"]
    assert network["answer"] is None and network["show_when"] is None and network["visible"] is True

    ratio = items["device-networking"]
    assert ratio["kind"] == "ratio" and ratio["options"] == []
    assert ratio["ratio"]["numerator"].startswith("已联网") and ratio["ratio"]["denominator"].startswith("数字化设备")
    assert ratio["ratio"]["scale"] == "100" and ratio["ratio"]["bounded"] is True
    # Shown only once the network question says something other than "none".
    assert ratio["visible"] is False
    assert ratio["show_when"] == [[{"item": "network", "values": ["none"], "negate": True}]]

    scenario = items["sc-product-design"]
    assert scenario["kind"] == "scenario" and len(scenario["levels"]) == 4
    assert scenario["levels"][0] == {"level": 1, "description": spec.items["sc-product-design"].level_descriptors[0]}
    # No provenance notes for the enterprise (#13 major 4).
    assert "provenance" not in str(data) and "追问逻辑" not in str(data)


def test_answers_come_with_their_versions_and_move_visibility(api, owner, assessment):
    client = api(owner)
    saved = client.put(f"{BASE}{assessment.pk}/answer/", {"item": "network", "value": ["workshop-control"],
                                                          "version": 0}, format="json")
    assert saved.status_code == 200
    client.put(f"{BASE}{assessment.pk}/answer/", {"item": "network", "value": ["industrial-5g"], "version": 1},
               format="json")
    data, items = _questionnaire(client, assessment.pk)
    assert items["network"]["answer"]["value"] == ["industrial-5g"]
    assert items["network"]["answer"]["version"] == 2
    assert items["device-networking"]["visible"] is True
    assert data["progress"]["answered"] == 1


def test_context_decides_steps_and_conditions_for_this_enterprise(api, owner, enterprise):
    enterprise.production_type = "discrete"
    enterprise.save()
    assessment = assessment_start(enterprise=enterprise, actor=owner, spec_key="gbt39116-2020@1.0")
    data, items = _questionnaire(api(owner), assessment.pk)
    screening = next(s for s in data["sections"] if s["code"] == "screening")
    assert screening["offered"] is False  # only process manufacturers answer it
    assert items["product-design-applicable"]["visible"] is False
    assert items["product-design-applicable"]["show_when"] == []  # never, for this enterprise
    product_design = [items[code] for code in _dimension_items("product-design")]
    assert product_design and all(i["show_when"] is None and i["visible"] for i in product_design)


def _dimension_items(code):
    spec = get_spec("gbt39116-2020@1.0")
    return {i.code for i in spec.dimension_index[code].items}


def test_show_when_reduces_a_condition_by_the_enterprises_context():
    spec = get_spec("gbt39116-2020@1.0")
    code = next(iter(_dimension_items("product-design")))
    assert show_when(spec, code, {"production_type": "discrete"}) is None
    (alternative,) = show_when(spec, code, {"production_type": "process"})
    assert [(c.item, c.values, c.negate) for c in alternative] == [("product-design-applicable", ("yes",), False)]
    assert show_when(spec, "product-design-applicable", {"production_type": "discrete"}) == ()


def test_scoped_like_the_detail(api, owner, outsider, teammate, district_staff, assessment):
    assert api(outsider).get(f"{BASE}{assessment.pk}/questionnaire/").json()["code"] == "not_found"
    assert api(district_staff).get(f"{BASE}{assessment.pk}/questionnaire/").status_code == 404  # a draft
    data, _items = _questionnaire(api(teammate), assessment.pk)
    assert data["editable"] is False
    assert APIClient().get(f"{BASE}{assessment.pk}/questionnaire/").status_code == 401


def test_a_submitted_assessment_is_read_only_and_staff_reading_it_is_audited(api, owner, district_staff, assessment):
    from diagnosis.fill.services import assessment_submit
    from portal.models import AuditEvent
    from tests.diagnosis.answers import full_answers

    for code, value in full_answers(get_spec(assessment.spec_key)).items():
        answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
    assessment_submit(assessment=assessment, actor=owner, pledge=True)
    data, _items = _questionnaire(api(owner), assessment.pk)
    assert data["editable"] is False
    before = AuditEvent.objects.filter(action="assessment.read").count()
    _questionnaire(api(district_staff), assessment.pk)
    assert AuditEvent.objects.filter(action="assessment.read").count() == before + 1


def test_the_schema_describes_the_questionnaire_and_the_answer_value(api, owner):
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/assessments/{id}/questionnaire/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Questionnaire")
    question = schema["components"]["schemas"]["Question"]["properties"]
    assert {"kind", "options", "ratio", "levels", "visible", "show_when", "answer"} <= set(question)
    value = schema["components"]["schemas"]["AnswerSaveInput"]["properties"]["value"]
    assert [alt["type"] for alt in value["oneOf"]] == ["string", "array", "integer", "object"]
    assert "multi" in value["description"] and "scenario" in value["description"]
    assert value["oneOf"][3]["required"] == ["numerator", "denominator"]
