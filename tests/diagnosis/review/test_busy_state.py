"""Submit, approve and return show that they are under way: the button is disabled and says
"正在提交…" once pressed (static/js/busy.js, opted into with data-busy-label; no inline script
under the CSP). Issue #13 minor "no progress shown"."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from diagnosis.fill.services import answer_save, assessment_start
from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers

pytestmark = pytest.mark.django_db

BUSY = re.compile(r'<form method="post"[^>]*data-busy-label="([^"]+)"')
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_the_busy_script_is_served_and_loaded_by_every_page(client):
    path = finders.find("js/busy.js")
    assert path and "busyLabel" in Path(path).read_text(encoding="utf-8")
    body = client.get("/accounts/login/").content.decode()
    assert re.search(r'<script src="/static/js/busy\.js" defer></script>', body)


def test_the_submit_form_shows_a_busy_state(login, enterprise, owner):
    assessment = assessment_start(enterprise=enterprise, actor=owner, spec_key="sme-2024@1.0")
    for code, value in full_answers(get_spec("sme-2024@1.0")).items():
        answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
    body = login(owner).get(f"/assessments/{assessment.pk}/submit/", **ZH).content.decode()
    assert BUSY.findall(body) == ["正在提交…"]


def test_the_decision_forms_show_a_busy_state(login, district_staff, submitted, review):
    body = login(district_staff).get(review.url(submitted), **ZH).content.decode()
    assert BUSY.findall(body) == ["正在提交…", "正在提交…"]  # approve, return
