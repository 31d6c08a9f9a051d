import re
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from diagnosis.checks import check_maturity_specs
from diagnosis.scoring import AnswerError, rebase_answers, score
from diagnosis.spec import (
    SPEC_DIR,
    SpecError,
    SpecNotFound,
    get_spec,
    latest_spec,
    load_all_specs,
    load_spec,
    parse_spec,
    spec_file_problems,
    validate_spec,
)
from diagnosis.spec import registry as spec_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = (FIXTURES / "tiny@1.0.toml").read_text(encoding="utf-8")
SHIPPED = ["sme-2024@1.0", "gbt39116-2020@1.0", "gbt23020-2013@1.0"]


def tiny(text: str = TINY):
    return parse_spec(tomllib.loads(text))


def edited(old: str, new: str) -> str:
    assert old in TINY, old
    return TINY.replace(old, new, 1)


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_spec_validates_clean(key):
    spec = load_spec(SPEC_DIR / f"{key}.toml")
    assert validate_spec(spec) == []
    assert spec.key == key


def test_spec_directory_has_no_problems():
    assert spec_file_problems() == []
    assert sorted(load_all_specs()) == sorted(SHIPPED)


def test_registry_is_cached_and_rejects_unknown_keys():
    assert get_spec("sme-2024@1.0") is get_spec("sme-2024@1.0")
    with pytest.raises(SpecNotFound):
        get_spec("sme-2024@9.9")


def test_latest_spec_picks_the_highest_version(tmp_path):
    for name in ("tiny@1.0.toml", "tiny@2.0.toml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    assert latest_spec("tiny", tmp_path).version == "2.0"
    with pytest.raises(SpecNotFound):
        latest_spec("nothing", tmp_path)


@pytest.mark.parametrize(
    ("key", "items", "scenarios"),
    [
        ("sme-2024@1.0", 15, 16),
        ("gbt39116-2020@1.0", 142, 0),
        ("gbt23020-2013@1.0", 24, 0),
    ],
)
def test_shipped_specs_are_complete(key, items, scenarios):
    spec = get_spec(key)
    assert len(spec.items) - len(spec.scenarios) == items
    assert len(spec.scenarios) == scenarios


def test_sme_tree_matches_the_reference_points():
    spec = get_spec("sme-2024@1.0")
    assert [(d.code, d.points) for d in spec.dimensions] == [
        ("foundation", Decimal(50)),
        ("management", Decimal(30)),
        ("outcomes", Decimal(20)),
    ]
    points = {code: item.points for code, item in spec.items.items() if item.points is not None}
    assert points["network"] == 8
    assert points["device-digitisation"] == points["device-networking"] == 6
    assert spec.items["data-collection-links"].option_index["hr"].points == Decimal("0.9")
    assert spec.items["management-mechanisms"].option_index["leadership"].points == Decimal("1.875")
    assert [g.code for g in spec.scenario_groups] == ["lifecycle", "production", "supply-chain", "decision"]
    assert [len(g.scenarios) for g in spec.scenario_groups] == [4, 6, 2, 4]
    assert len(spec.scenario_set_index["constraint"].members) == 10
    assert all(len(s.level_descriptors) == 4 and s.wording == "ours" for s in spec.scenarios)


def test_cmmm_tree_has_4_elements_12_domains_20_subdomains():
    spec = get_spec("gbt39116-2020@1.0")
    elements = spec.dimensions
    domains = [d for e in elements for d in e.children]
    leaves = [s for d in domains for s in d.children]
    assert [e.title for e in elements] == ["人员", "技术", "资源", "制造"]
    assert [e.points for e in elements] == [Decimal(10), Decimal(15), Decimal(10), Decimal(65)]
    assert len(domains) == 12
    assert len(leaves) == 20
    assert all(leaf.points == 5 for leaf in leaves)
    assert all(item.wording == "ours" for leaf in leaves for item in leaf.items)


def test_provenance_is_inherited_unless_overridden():
    spec = get_spec("sme-2024@1.0")
    network = spec.items["network"]
    assert network.provenance is spec.provenance
    assert network.option_index["none"].provenance is spec.provenance
    assert spec.items["funding"].provenance.source == "item:funding"
    assert spec.items["device-networking"].show_if.provenance.tag == "P"
    assert spec.levels[3].provenance.source == "level:L3"


def test_fixture_specs_validate_clean():
    for name in ("tiny@1.0.toml", "tiny@2.0.toml"):
        assert validate_spec(load_spec(FIXTURES / name)) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'code = "q2"',
            'code = "q1"',
            "duplicate code 'q1'",
        ),
        (
            'code = "base"\ntitle = "基础"\npoints = "10"',
            'code = "base"\ntitle = "基础"\npoints = "12"',
            "spec max_total: children sum to 12, expected 10",
        ),
        (
            '[[dimensions]]\ncode = "base"',
            '[[dimensions]]\ncode = "extra"\ntitle = "额外"\npoints = "0"\n\n[[dimensions]]\ncode = "base"',
            "dimension extra: has neither children nor items",
        ),
        (
            '{ code = "a", title = "措施A", points = "2.5" }',
            '{ code = "a", title = "措施A" }',
            "item q2: option 'a' has no points",
        ),
        (
            '{ code = "b", title = "措施B", points = "2.5" }',
            '{ code = "b", title = "措施B", points = "2" }',
            "item q2: children sum to 4.5, expected 5",
        ),
        (
            'members = ["s1"]',
            'members = ["s1", "s9"]',
            "scenario set key: 's9' is not a scenario",
        ),
        (
            'set = "key"',
            'set = "missing"',
            "level L1: refers to missing scenario set 'missing'",
        ),
        (
            "min_level = 1, count = 1",
            "min_level = 3, count = 1",
            "level L1: scenario min_level 3 outside 1–2",
        ),
        (
            '[[levels]]\ncode = "none"\ntitle = "未达级"\n',
            '[[levels]]\ncode = "none"\ntitle = "未达级"\nmin_total = "1"\n',
            "level none: the first (lowest) level must have no conditions",
        ),
        (
            '{ code = "no", title = "否", points = "0" },\n  { code = "yes", title = "是", points = "5" },',
            '{ code = "yes", title = "是", points = "5" },\n  { code = "no", title = "否", points = "0" },',
            "item q1: list options from lowest to highest points",
        ),
        (
            'dimension = "base"\ntitle = "已采取的措施"',
            'dimension = "base"\ntitle = "已采取的措施"\nshow_if = { answer = { item = "q1", in = ["maybe"] } }',
            "item q2: show_if names unknown option 'maybe' of 'q1'",
        ),
        (
            'dimension = "base"\ntitle = "是否建有制度"',
            'dimension = "base"\ntitle = "是否建有制度"\nshow_if = { answer = { item = "q2", in = ["a"] } }',
            "item q1: show_if must refer to an earlier item, not 'q2'",
        ),
        (
            'dimension = "base"\ntitle = "已采取的措施"',
            'dimension = "base"\ntitle = "已采取的措施"\nshow_if = { context = { size = ["small"] } }',
            "item q2: show_if uses undeclared context 'size'",
        ),
        (
            'dimension = "base"\ntitle = "已采取的措施"',
            'dimension = "elsewhere"\ntitle = "已采取的措施"',
            "item q2: dimension 'elsewhere' does not exist",
        ),
    ],
)
def test_broken_spec_reports_the_problem(old, new, problem):
    assert problem in validate_spec(tiny(edited(old, new))), validate_spec(tiny(edited(old, new)))


def test_problem_wording_names_the_item_when_items_do_not_sum():
    # Same fault as above, but here the item points and not the options disagree.
    spec = tiny(edited('kind = "choice"\npoints = "5"', 'kind = "choice"\npoints = "6"'))
    assert "dimension base: children sum to 11, expected 10" in validate_spec(spec)
    assert "item q1: best option scores 5, item points are 6" in validate_spec(spec)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('points = "2.5" }', "points = 2.5 }", "write numbers as strings"),
        ('title = "基础"', 'title = "基础"\ncolour = "red"', "unknown key(s) colour"),
        ('kind = "choice"', 'kind = "slider"', "kind must be one of"),
        ('provenance = "V"', 'provenance = "X"', "provenance must be one of"),
        ('method = "points"', 'method = "vibes"', "method must be one of"),
        ('title = "是否建有制度"', "", "missing key 'title'"),
        ('points = "10"', 'points = "ten"', "not a number"),
    ],
)
def test_malformed_spec_raises_spec_error(old, new, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        tiny(edited(old, new))


def test_invalid_toml_raises_spec_error(tmp_path):
    path = tmp_path / "bad@1.0.toml"
    path.write_text("[spec\ncode =", encoding="utf-8")
    with pytest.raises(SpecError, match="bad@1.0.toml"):
        load_spec(path)


def test_directory_problems_cover_names_duplicates_and_load_errors(tmp_path):
    shutil.copy(FIXTURES / "tiny@1.0.toml", tmp_path / "tiny@1.0.toml")
    shutil.copy(FIXTURES / "tiny@1.0.toml", tmp_path / "tiny-copy.toml")
    (tmp_path / "broken@1.0.toml").write_text("not toml at all [", encoding="utf-8")
    kinds = sorted(p.kind for p in spec_file_problems(tmp_path))
    assert kinds == ["duplicate", "filename", "load"]
    with pytest.raises(SpecError, match="tiny-copy.toml"):
        load_all_specs(tmp_path)


def test_empty_directory_is_a_problem(tmp_path):
    assert [p.kind for p in spec_file_problems(tmp_path)] == ["empty"]


def test_system_check_is_quiet_for_shipped_specs():
    assert check_maturity_specs() == []


def test_system_check_reports_each_problem_with_an_id(tmp_path, monkeypatch):
    (tmp_path / "tiny@1.0.toml").write_text(edited('points = "2.5" }', 'points = "2" }'), encoding="utf-8")
    (tmp_path / "broken@1.0.toml").write_text("[", encoding="utf-8")
    monkeypatch.setattr(spec_module, "SPEC_DIR", tmp_path)
    errors = check_maturity_specs()
    assert sorted(e.id for e in errors) == ["diagnosis.E001", "diagnosis.E002"]
    assert all(e.hint for e in errors)


# --- re-basing (uses [mapping] of the fixture tiny@2.0) ---------------------------------------


def test_rebase_maps_codes_and_options_and_reports_the_rest():
    old, new = load_spec(FIXTURES / "tiny@1.0.toml"), load_spec(FIXTURES / "tiny@2.0.toml")
    answers = {"q1": "yes", "q2": ["a"], "s1": 2, "s2": 1}
    rebased, unmapped = rebase_answers(old, new, answers)
    assert rebased == {"policy": "y", "s1": 2}
    assert unmapped == ("q2", "s2")
    assert score(new, rebased).total == Decimal("10.00")


def test_rebase_reports_answers_invalid_under_the_new_version():
    old = load_spec(FIXTURES / "tiny@1.0.toml")
    new = parse_spec(
        tomllib.loads(
            (FIXTURES / "tiny@2.0.toml")
            .read_text(encoding="utf-8")
            .replace('levels = ["记录", "系统"]', 'levels = ["记录"]')
        )
    )
    _rebased, unmapped = rebase_answers(old, new, {"q1": "no", "s1": 2})
    assert unmapped == ("s1",)


def test_rebase_needs_a_mapping_from_the_old_version():
    old, new = load_spec(FIXTURES / "tiny@1.0.toml"), load_spec(FIXTURES / "tiny@2.0.toml")
    with pytest.raises(ValueError, match="no mapping"):
        rebase_answers(new, old, {})
    with pytest.raises(AnswerError, match="q9"):
        rebase_answers(old, new, {"q9": "x"})


def test_mapping_targets_are_validated():
    text = (FIXTURES / "tiny@2.0.toml").read_text(encoding="utf-8").replace('q1 = "policy"', 'q1 = "gone"')
    assert "mapping: target item 'gone' does not exist" in validate_spec(parse_spec(tomllib.loads(text)))


def test_rebase_translates_multi_select_options():
    text = (
        TINY.replace('version = "1.0"', 'version = "1.1"')
        .replace('code = "q2"', 'code = "measures"')
        .replace('{ code = "a", title = "措施A"', '{ code = "x", title = "措施A"')
        .replace(
            "[[dimensions]]",
            '[mapping]\nfrom = "tiny@1.0"\nitems = { q2 = "measures" }\n\n[mapping.options.q2]\na = "x"\n\n[[dimensions]]',
            1,
        )
    )
    new = tiny(text)
    assert validate_spec(new) == []
    rebased, unmapped = rebase_answers(tiny(), new, {"q1": "yes", "q2": ["b", "a"], "s1": 1, "s2": 0})
    assert rebased == {"q1": "yes", "measures": ["x", "b"], "s1": 1, "s2": 0}
    assert unmapped == ()
