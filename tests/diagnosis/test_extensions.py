"""Extension points of diagnosis (diagnosis/extensions.py): what a higher app registers shows up on
the result page and in the PDF report, nothing shows up when nothing is registered, and diagnosis
itself never imports the apps that fill its registries."""

import ast
import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

import diagnosis
from diagnosis import extensions
from diagnosis.extensions import ReportSection, ResultPanel
from diagnosis.report.context import build_report_context
from tests.factories.diagnosis import scored_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_this_modules_registrations():
    """These tests are about the registries themselves: start each from empty registries (the
    installed apps register their own panels and sections at start-up) and put those back after."""
    saved = (dict(extensions._result_panels._entries), dict(extensions._report_sections._entries))
    extensions._result_panels._entries.clear()
    extensions._report_sections._entries.clear()
    yield
    extensions._result_panels._entries.clear()
    extensions._report_sections._entries.clear()
    extensions._result_panels._entries.update(saved[0])
    extensions._report_sections._entries.update(saved[1])


@pytest.fixture
def assessment(enterprise):
    return scored_assessment(enterprise)


@pytest.fixture
def panels():
    """Register result panels for one test; they are removed afterwards."""
    keys = []

    def _register(**fields):
        panel = extensions.register_result_panel(ResultPanel(**{"url_name": "diagnosis:assessment-needs", **fields}))
        keys.append(panel.key)
        return panel

    yield _register
    for key in keys:
        extensions.unregister_result_panel(key)


@pytest.fixture
def section_template(settings, tmp_path):
    """A report section template outside the project's template folders."""
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "section.html").write_text(
        '{% load i18n %}<h2>{{ section.heading }}</h2><p class="lang">{{ section.language }}</p>'
        "<p>{{ section.note }}</p><p>{{ enterprise.name }}</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    return "ext/section.html"


@pytest.fixture
def sections(section_template):
    keys = []

    def _register(key, build_context, order=100):
        extensions.register_report_section(ReportSection(key=key, template=section_template,
                                                         build_context=build_context, order=order))
        keys.append(key)

    yield _register
    for key in keys:
        extensions.unregister_report_section(key)


def _result_html(client, assessment):
    response = client.get(f"/assessments/{assessment.pk}/result/")
    assert response.status_code == 200
    return response.content.decode()


def _report_html(assessment, language="zh-hans"):
    assessment.refresh_from_db()
    with translation.override(language):
        return render_to_string("diagnosis/report/pdf.html", build_report_context(
            assessment, language=language, verification_code="ABCD-EFGH", issued_at=datetime(2025, 6, 1, tzinfo=UTC)))


# --- result panels -----------------------------------------------------------------------------


def test_a_registered_panel_is_loaded_by_htmx_from_its_url(login, owner, assessment, panels):
    panels(key="offers", title="服务商方案")
    html = _result_html(login(owner), assessment)
    assert 'id="panel-offers"' in html and "服务商方案" in html
    assert f'hx-get="/assessments/{assessment.pk}/needs/" hx-trigger="load"' in html


def test_without_panels_the_page_has_no_panel_markup(login, owner, assessment):
    html = _result_html(login(owner), assessment)
    assert "data-result-panel" not in html and 'id="panel-' not in html


def test_a_panels_predicate_hides_it(login, owner, teammate, assessment, panels):
    panels(key="writers-only", title="仅限编辑", visible=lambda user, a: user == owner and a == assessment)
    assert 'id="panel-writers-only"' in _result_html(login(owner), assessment)
    assert 'id="panel-writers-only"' not in _result_html(login(teammate), assessment)


def test_panels_come_in_order_and_registering_a_key_again_replaces_it(owner, assessment, panels):
    panels(key="b", title="B", order=20)
    panels(key="a", title="A", order=30)
    panels(key="a", title="A2", order=10)
    assert [(p.key, p.title) for p in extensions.result_panels(owner, assessment)] == [("a", "A2"), ("b", "B")]


# --- report sections ---------------------------------------------------------------------------


def test_a_registered_section_is_included_in_the_report_with_its_context(assessment, sections):
    seen = []

    def build(a, language):
        seen.append((a.pk, language, translation.get_language()))
        return {"heading": "补贴申报", "language": language, "note": "<b>typed by someone</b>"}

    sections("subsidy", build)
    html = _report_html(assessment, "en")
    assert seen == [(assessment.pk, "en", "en")]
    assert 'id="section-subsidy"' in html and "<h2>补贴申报</h2>" in html and '<p class="lang">en</p>' in html
    assert "&lt;b&gt;typed by someone&lt;/b&gt;" in html  # autoescaping stays on
    assert f"<p>{assessment.enterprise.name}</p>" in html  # the report's own context is there too
    assert html.index('id="section-subsidy"') < html.index('<section id="review">')


def test_sections_come_in_order(assessment, sections):
    sections("late", lambda a, language: {"heading": "LATE"}, order=50)
    sections("early", lambda a, language: {"heading": "EARLY"}, order=5)
    html = _report_html(assessment)
    assert html.index("EARLY") < html.index("LATE")


def test_without_sections_the_report_has_no_section_markup(assessment):
    assert "data-report-section" not in _report_html(assessment)


# --- layers ------------------------------------------------------------------------------------


def test_diagnosis_never_imports_the_apps_that_fill_its_registries():
    root = Path(diagnosis.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"providers", "subsidies"}, f"{path}: imports {name}"
