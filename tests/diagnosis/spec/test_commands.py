"""The command-line contract: `specs`, `score` and `rebase_results`."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers

ROOT = Path(__file__).resolve().parents[3]


def _run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_specs_lists_code_at_version_with_titles():
    lines = _run("specs").splitlines()
    keys = [line.split("\t")[0] for line in lines]
    assert {"sme-2024@1.0", "gbt39116-2020@1.0", "gbt23020-2013@1.0"} <= set(keys)
    assert any("中小企业数字化水平评测指标" in line for line in lines)


def test_score_prints_json_with_two_decimal_strings(tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(
        json.dumps(full_answers(get_spec("sme-2024@1.0")), ensure_ascii=False), encoding="utf-8"
    )
    result = json.loads(_run("score", "--spec", "sme-2024@1.0", "--answers", str(answers)))
    assert result["total"] == "100.00"
    assert result["spec_key"] == "sme-2024@1.0"
    assert result["provisional"] is True


def test_score_uses_the_context_for_conditions(tmp_path):
    spec = get_spec("gbt39116-2020@1.0")
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(full_answers(spec)), encoding="utf-8")
    context = tmp_path / "c.json"
    context.write_text(json.dumps({"production_type": "process"}), encoding="utf-8")
    result = json.loads(
        _run("score", "--spec", spec.key, "--answers", str(answers), "--context", str(context))
    )
    assert result["total"] == "5.00"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), ('{"no_such_item": "x"}', "no_such_item")],
)
def test_bad_input_exits_2_with_a_one_line_error(tmp_path, content, fragment):
    answers = tmp_path / "a.json"
    answers.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        _run("score", "--spec", "sme-2024@1.0", "--answers", str(answers))
    assert excinfo.value.returncode == 2
    assert fragment in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_unknown_spec_exits_2(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        _run("score", "--spec", "sme-2099@9", "--answers", str(tmp_path / "missing.json"))
    assert excinfo.value.returncode == 2


def test_exit_status_from_the_shell(tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text('{"network": ["warp-drive"]}', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "manage.py", "score", "--spec", "sme-2024@1.0", "--answers", str(answers)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "warp-drive" in proc.stderr


@pytest.mark.django_db
def test_rebase_without_a_mapping_exits_2():
    with pytest.raises(CommandError) as excinfo:
        call_command("rebase_results", "--from", "sme-2024@1.0", "--to", "gbt23020-2013@1.0")
    assert excinfo.value.returncode == 2
