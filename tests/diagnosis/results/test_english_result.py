"""English mode on the result page and in the English PDF (#13): the spec's English texts wherever
the standard has them (titles, total, level descriptions, option titles of corrected answers, maturity
level names), ASCII punctuation; nothing of the spec's Chinese in those places."""

import re

import pytest
from django.utils import translation

from diagnosis.report.context import build_report_context
from diagnosis.results.context import build_result_context, describe_answer
from diagnosis.review import services as services_review
from diagnosis.spec import get_spec
from diagnosis.spec.english import DIRECTORY, english_texts, local_description, local_total_title
from diagnosis.spec.registry import load_all_specs
from tests.factories.diagnosis import scored_assessment

pytestmark = pytest.mark.django_db

SME = get_spec("sme-2024@1.0")
TOTAL_EN = "Basic score (digital foundation + management + outcomes)"
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _english_page(client, assessment) -> str:
    client.cookies["django_language"] = "en"
    response = client.get(f"/assessments/{assessment.pk}/result/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_english_result_page_has_no_chinese_title_total_or_level_description(login, owner, enterprise):
    assessment = scored_assessment(enterprise, user=owner)  # best answers: level 4
    html = _english_page(login(owner), assessment)
    assert TOTAL_EN in html and SME.total_title not in html
    level = next(g for g in SME.levels if g.code == "L4")
    assert local_description(SME, level, "en") in html and level.description not in html
    assert "(2024 edition) (1.0)" in html and "（1.0）" not in html


def test_corrected_answers_read_in_english(login, owner, enterprise, district_staff):
    assessment = scored_assessment(enterprise, user=owner)
    services_review.item_correct(assessment=assessment, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查", expected_version=0)
    services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1)
    assessment.refresh_from_db()
    row = build_result_context(assessment, language="en").corrections[0]
    workshop = SME.items["network"].option_index["workshop-control"]
    assert row.verified_answer == workshop.title_en and row.title == SME.items["network"].title_en
    html = _english_page(login(owner), assessment)
    assert workshop.title_en in html and f"<td>{workshop.title}</td>" not in html


def test_the_english_pdf_context_uses_the_english_texts(enterprise):
    assessment = scored_assessment(enterprise)
    with translation.override("en"):
        context = build_report_context(assessment, language="en", verification_code="X", issued_at=None)
    assert context["declared"]["total_title"] == TOTAL_EN
    assert context["declared"]["level"]["description"] == english_texts(SME.key).descriptions["level:L4"]


def test_maturity_level_scores_and_answers_in_english(enterprise):
    cmmm = get_spec("gbt39116-2020@1.0")
    requirement = next(i for i in cmmm.items.values() if i.kind == "requirement")
    assert describe_answer(requirement, "full", "en") == requirement.option_index["full"].title_en
    assert describe_answer(SME.items["sc-quality"], 2, "en") == "Level 2"
    assert local_total_title(cmmm, "en") == "Maturity score" and local_total_title(cmmm, "zh-hans") == cmmm.total_title


def test_every_english_companion_names_a_spec_and_its_grades():
    keys = dict(load_all_specs())
    for path in DIRECTORY.glob("*.toml"):
        spec = keys[path.stem]
        texts = english_texts(spec.key)
        assert texts.total_title
        codes = {f"level:{g.code}" for g in spec.levels} | {f"stage:{g.code}" for g in spec.stages}
        assert set(texts.descriptions) <= codes, set(texts.descriptions) - codes
        described = {f"level:{g.code}" for g in spec.levels if g.description}
        described |= {f"stage:{g.code}" for g in spec.stages if g.description}
        assert described <= set(texts.descriptions), described - set(texts.descriptions)


def test_item_reasons_are_english_in_english_and_the_engines_in_chinese(login, owner, enterprise):
    assessment = scored_assessment(enterprise, user=owner, normalise=True, answers={
        "network": ["workshop-control"], "device-digitisation": {"numerator": "35", "denominator": "100"},
        "it-coverage": SME.items["it-coverage"].options[0].code, "sc-quality": 2})
    english = build_result_context(assessment, language="en")
    rows = {item.code: row for d in english.dimensions for item, row in d.items}
    network = SME.items["network"]
    assert rows["network"]["reason"] == (f"{network.title_en}: 1 chosen "
                                         f"({network.option_index['workshop-control'].title_en}), "
                                         f"{rows['network']['points']} points")
    assert rows["device-digitisation"]["reason"].startswith(f"{SME.items['device-digitisation'].title_en}: 35.00%")
    scenario = {item.code: row for _group, pairs in english.scenarios for item, row in pairs}["sc-quality"]
    assert scenario["reason"] == f"{SME.items['sc-quality'].title_en}: level 2"
    chinese = build_result_context(assessment, language="zh-hans")
    stored = {row["code"]: row["reason"] for row in assessment.result["items"]}
    assert {item.code: row["reason"] for d in chinese.dimensions for item, row in d.items} == {
        code: reason for code, reason in stored.items() if code in rows}
    html = _english_page(login(owner), assessment)
    assert stored["network"] not in html and stored["device-digitisation"] not in html


@pytest.mark.parametrize(("gap", "english"), [
    ({"kind": "total", "target": "L3", "required": "60.00", "actual": "58.00", "shortfall": "2.00", "codes": []},
     f"{TOTAL_EN} 58.00; Level 3 needs ≥ 60.00, 2.00 points short"),
    ({"kind": "scenarios", "target": "L2", "required": 3, "actual": 1, "shortfall": 2, "codes": []},
     "Level 2 needs at least 3 of the Constraint scenarios at level 2 or higher; 1 now, 2 short"),
])
def test_gap_messages_in_english(gap, english):
    from diagnosis.results.labels import english_gap

    assert english_gap(SME, {**gap, "message": "中文"}) == english


def test_the_english_roadmap_gap_line(login, owner, enterprise):
    assessment = scored_assessment(enterprise, user=owner, best=False, normalise=True)
    context = build_result_context(assessment, language="en")
    assert context.roadmap.gaps and all(not CJK.search(g.message) for g in context.roadmap.gaps)
    assert build_result_context(assessment, language="zh-hans").roadmap.gaps[0].message == \
        assessment.result["gaps"][0]["message"]


@pytest.mark.parametrize("spec_key", ["sme-2024@1.0", "gbt39116-2020@1.0", "gbt23020-2013@1.0"])
def test_every_roadmap_step_has_an_english_twin(enterprise, spec_key):
    assessment = scored_assessment(enterprise, spec_key=spec_key, best=False, normalise=True)
    recommendations = build_result_context(assessment, language="en").roadmap.recommendations
    assert recommendations
    spec = get_spec(spec_key)
    for rec in recommendations:
        # A ratio's unit (台/百人) is the one spec text without an English twin.
        ratio = spec.items[rec.code].ratio
        text = rec.next_step_en.replace(ratio.unit, "") if ratio else rec.next_step_en
        assert text and not CJK.search(text), rec.next_step_en


def test_the_english_page_shows_the_english_steps(login, owner, enterprise):
    assessment = scored_assessment(enterprise, user=owner, best=False, normalise=True)
    html = _english_page(login(owner), assessment)
    first = build_result_context(assessment, language="en").roadmap.recommendations[0]
    assert first.next_step_en.replace("'", "&#x27;") in html
    assert first.next_step not in html
