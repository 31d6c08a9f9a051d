"""People see standards and levels by name, never by code (issue #13 minor "Codes shown to
people"): the queue's filters and rows, the review page and the start form; the level filter
offers only the levels of the chosen standard, narrowed through HTMX when the standard changes,
and a level the chosen standard does not have is refused with a message, not an empty list."""

import dataclasses
import re

import pytest
from django.utils import translation

from diagnosis.spec import get_spec
from diagnosis.templatetags import diagnosis_tags
from tests.factories.diagnosis import scored_assessment

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SME = "sme-2024@1.0"
GBT39116 = "gbt39116-2020@1.0"


def _options(body: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def _visible_text(body: str) -> str:
    """The page without its tags and attribute values: what a person reads."""
    return re.sub(r"<[^>]+>", " ", body)


def test_the_standard_filter_and_the_rows_name_the_standard(login, district_staff, enterprise):
    scored_assessment(enterprise)
    client = login(district_staff)
    body = client.get("/review/?status=all", **ZH).content.decode()
    assert (SME, "中小企业数字化水平评测指标（2024年版）") in _options(body, "spec")
    assert SME not in _visible_text(body) and "gbt39116-2020@1.0" not in _visible_text(body)
    english = client.get("/review/?status=all", **EN).content.decode()
    assert (SME, "SME digitalisation level assessment indicators (2024 edition)") in _options(english, "spec")
    assert english.count("SME digitalisation level assessment indicators (2024 edition)") >= 2  # filter and row


def test_the_level_filter_offers_only_the_levels_of_the_chosen_standard(login, district_staff):
    client = login(district_staff)
    sme = _options(client.get(f"/review/?spec={SME}", **ZH).content.decode(), "level")
    assert sme == [("", "—"), ("none", "未达级"), ("L1", "一级"), ("L2", "二级"), ("L3", "三级"), ("L4", "四级")]
    gbt = _options(client.get(f"/review/?spec={GBT39116}", **ZH).content.decode(), "level")
    assert ("L1", "一级（规划级）") in gbt and ("L5", "五级（引领级）") in gbt
    none_chosen = _options(client.get("/review/", **ZH).content.decode(), "level")
    assert none_chosen == [("", "请先选择标准")]
    no_levels = _options(client.get("/review/?spec=gbt23020-2013@1.0", **ZH).content.decode(), "level")
    assert no_levels == [("", "该标准不分等级")]


def test_choosing_a_standard_reloads_the_level_list_through_htmx(login, district_staff):
    body = login(district_staff).get("/review/", **ZH).content.decode()
    spec_select = re.search(r'<select name="spec"[^>]*>', body).group(0)
    for attribute in ('hx-get="/review/"', 'hx-trigger="change"', 'hx-include="this"', 'hx-select="#id_level"',
                      'hx-target="#id_level"', 'hx-swap="outerHTML"'):
        assert attribute in spec_select
    assert 'id="id_level"' in body


def test_a_level_of_another_standard_is_refused_with_a_message(login, district_staff, enterprise):
    scored_assessment(enterprise)
    client = login(district_staff)
    response = client.get(f"/review/?spec={SME}&level=L5&status=all", **ZH)
    assert response.status_code == 400 and response.context["rows"] == []
    assert "“五级（引领级）”不是“中小企业数字化水平评测指标（2024年版）”的等级" in response.content.decode()
    assert client.get(f"/review/?spec={GBT39116}&level=L5", **ZH).status_code == 200


def test_a_level_without_a_standard_still_filters_by_its_code_and_says_what_it_matches(
        login, district_staff, enterprise):
    weak = scored_assessment(enterprise, best=False)
    response = login(district_staff).get(f"/review/?level={weak.level}", **ZH)
    assert {row.pk for row in response.context["rows"]} == {weak.pk}
    options = dict(_options(response.content.decode(), "level"))
    assert weak.level in options and weak.level not in options[weak.level]  # by name, not by code


def test_the_review_page_names_the_standard(login, district_staff, enterprise):
    assessment = scored_assessment(enterprise)
    body = login(district_staff).get(f"/review/{assessment.pk}/", **ZH).content.decode()
    assert "中小企业数字化水平评测指标（2024年版）" in body and SME not in _visible_text(body)


def test_the_start_form_names_each_standard_with_its_version(login, owner):
    body = login(owner).get("/assessments/", **EN).content.decode()
    assert (SME, "SME digitalisation level assessment indicators (2024 edition), version 1.0") \
        in _options(body.replace('id="spec" name="spec"', 'name="spec"'), "spec")
    assert "（1.0）" not in body


def test_a_version_is_named_only_when_two_versions_of_a_standard_are_installed(monkeypatch):
    spec = get_spec(SME)
    with translation.override("zh-hans"):
        assert diagnosis_tags.spec_title(SME) == "中小企业数字化水平评测指标（2024年版）"
    newer = dataclasses.replace(spec, version="2.0")
    monkeypatch.setattr("diagnosis.spec.load_all_specs", lambda: {SME: spec, "sme-2024@2.0": newer})
    with translation.override("zh-hans"):
        assert diagnosis_tags.spec_label(spec) == "中小企业数字化水平评测指标（2024年版）（1.0 版）"
