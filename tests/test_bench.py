"""Smoke test of `make bench`: each benchmark runs at tiny sizes and yields its figures. Nothing
here asserts speed; speed is what `python -m bench` reports."""

import pytest

from bench import BenchError, Figure, Run
from bench.__main__ import format_figures, registry
from bench.db import recreate_database
from bench.scoring import SME, bench_target_spec, measure_rescore, run_scoring
from diagnosis.scoring import rebase_answers
from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers


def test_registry_lists_the_scoring_benchmarks():
    assert {"scoring", "rescore"} <= set(registry())


def test_scoring_reports_engine_rate_against_the_baseline():
    figures = run_scoring(Run(quick=True))
    assert [f.name for f in figures] == ["score() on sme-2024@1.0", "score() on gbt39116-2020@1.0"]
    for figure in figures:
        assert figure.unit == "assessments/s"
        assert figure.value > 0 and figure.baseline > 0 and figure.ratio > 0


def test_bench_target_spec_renames_items_through_its_mapping():
    old, new = get_spec(SME), bench_target_spec()
    answers = full_answers(old)
    rebased, unmapped = rebase_answers(old, new, answers)
    assert unmapped == ()
    assert rebased["it-systems"] == "all" and "it-coverage" not in rebased
    assert "sc-collaboration" in rebased


@pytest.mark.django_db
@pytest.mark.postgres
def test_rescore_core_rescores_every_seeded_assessment():
    rescore, throughput, seeding = measure_rescore(count=30, enterprises=3, pool=10, batch_size=8)
    assert rescore.unit == "s" and rescore.value > 0 and rescore.baseline > 0
    assert "PASS" in rescore.note or "MISS" in rescore.note
    assert throughput.unit == "assessments/s" and "30 RebasedResult rows verified" in throughput.note
    assert seeding.unit == "s" and seeding.baseline is None


def test_report_has_a_header_and_one_line_per_figure():
    lines = format_figures([Figure("a", 2.0, "s", baseline=1.0, baseline_name="floor", higher_is_better=False),
                            Figure("b", 5.0, "x/s")])
    assert len(lines) == 3
    assert "2.0× cost" in lines[1]


def test_a_run_without_a_database_says_so():
    with pytest.raises(BenchError):
        Run(quick=True).database()


def test_only_bench_databases_are_ever_dropped():
    with pytest.raises(BenchError, match="refusing"):
        recreate_database("postgres://postgres@127.0.0.1:5432/dxportal")


@pytest.mark.django_db
@pytest.mark.postgres
def test_regional_core_times_every_dashboard_aggregate_against_raw_sql():
    from bench.regional import measure_regional

    figures = measure_regional(count=200)
    # six aggregates, the dashboard page (cached and first view after a change) against the bare view, the seeding
    assert len(figures) == 9
    for figure in figures[:6]:
        assert figure.unit == "s" and figure.value > 0 and figure.baseline > 0
        assert "PASS" in figure.note or "MISS" in figure.note
    page = figures[6]
    assert page.name == "city dashboard page" and page.value > 0 and page.baseline > 0
    assert "page ÷ bare" in page.note
    miss = figures[7]
    assert miss.name.startswith("city dashboard page, first view") and miss.value > page.value


@pytest.mark.django_db(transaction=True)
def test_decisions_time_submit_and_approve_against_the_bare_view(monkeypatch):
    from bench.decisions import measure_decisions
    from diagnosis.report import pdf
    from tests.diagnosis.report.conftest import fake_pdf

    monkeypatch.setattr(pdf, "html_to_pdf", fake_pdf)  # the figures here are not the point
    figures = measure_decisions(rounds=1, inline_rounds=1, bare_requests=2)
    assert [f.name for f in figures] == ["submit", "approve, PDF in the background thread",
                                         "approve, PDF in the request"]
    for figure in figures:
        assert figure.unit == "ms/request" and figure.value > 0 and figure.baseline > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_backup_core_backs_up_and_restores_at_a_tiny_size():
    from bench.backup import measure_backup

    backup, restore = measure_backup(assessments=20, media_files=3)
    assert backup.unit == restore.unit == "s"
    assert backup.value > 0 and backup.baseline > 0 and restore.value > 0 and restore.baseline > 0
    assert "RPO" in backup.note


@pytest.mark.django_db
def test_events_core_pairs_a_small_district_and_reruns_idempotently():
    from bench.events import measure_pairing

    figures = measure_pairing(firms=12, providers=60, mean_apps=2)
    assert figures[0].name.startswith("pairing job, 12 firms") and figures[0].value > 0
    assert "pairings" in figures[0].note and figures[1].note == "same pairings, none created"
