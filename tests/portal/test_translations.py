"""The zh_Hans catalogue: complete, not fuzzy, consistent with the code, compiled and in effect.

Chinese is the default UI language and the source strings are English, so a msgid that is missing
from locale/zh_Hans/LC_MESSAGES/django.po (or left empty/fuzzy) shows English to every user.
Workflow after adding or changing strings:

    .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles \
        --ignore=var --no-obsolete
    # translate the new entries, then
    make messages        # compilemessages; `make test` runs it before pytest

No database is needed: everything here reads files or uses translation.override().
"""

import ast
import functools
import re
import warnings
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, ngettext

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SCANNED_DIRS = ("portal", "diagnosis", "providers", "subsidies", "templates")
CJK = re.compile(r"[\u3400-\u9fff]+")
# Placeholders that must survive translation: printf style (%(name)s, %(max)d, %s, %d; "%%" is a
# literal percent sign) and str.format style ({name}, {0}).
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]|\{\w*\}")


# --- a small .po parser ---------------------------------------------------------------------------


def _unquote(line: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), line.strip()[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (str) or msgstr[n] (keyed 'msgstr[n]'),
    flags (set). Obsolete (#~) entries are ignored. The header is the entry whose msgid is ""."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _sep, rest = line.partition(" ")
            entry[key] = _unquote(rest)
    return entries


@pytest.fixture(scope="module")
def entries():
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l zh_Hans (see module docstring)"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(entries):
    return [e for e in entries if e["msgid"]]


def _translations(entry: dict) -> list[str]:
    return [v for k, v in entry.items() if k == "msgstr" or k.startswith("msgstr[")]


# --- (a) the catalogue itself ----------------------------------------------------------------------


def test_header_declares_chinese_utf8_and_one_plural_form(entries):
    header = next(e for e in entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"], "remove '#, fuzzy' from the header once it is filled in"
    assert "Language: zh_Hans\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]


def test_every_entry_is_translated(messages):
    empty = [e["msgid"] for e in messages if not _translations(e) or not all(_translations(e))]
    assert not empty, f"{len(empty)} untranslated msgid(s): {empty}"


def test_no_entry_is_fuzzy(messages):
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not fuzzy, f"check these translations and drop their '#, fuzzy' flag: {fuzzy}"


def test_plural_entries_have_exactly_the_one_chinese_form(messages):
    for e in (e for e in messages if "msgid_plural" in e):
        forms = sorted(k for k in e if k.startswith("msgstr["))
        assert forms == ["msgstr[0]"], f"{e['msgid']!r}: zh has nplurals=1, found {forms}"


def test_placeholders_survive_translation(messages):
    """msgfmt --check-format catches this only for entries flagged python-format; check them all."""
    for e in messages:
        expected = sorted(PLACEHOLDER.findall(e["msgid"].replace("%%", "")))
        for text in _translations(e):
            assert sorted(PLACEHOLDER.findall(text.replace("%%", ""))) == expected, (e["msgid"], text)
        for name in re.findall(r"%\((\w+)\)", e.get("msgid_plural", "")):
            assert all(f"%({name})" in t for t in _translations(e)), e["msgid"]


def test_chinese_already_in_a_msgid_is_kept(messages):
    """Standard names and terms written in Chinese in the source (规上, 中小企业数字化水平评测指标) stay verbatim."""
    for e in messages:
        for run in CJK.findall(e["msgid"]):
            assert all(run in t for t in _translations(e)), (e["msgid"], run)


# msgids whose right Chinese rendering contains no Chinese characters (codes, acronyms, punctuation).
NO_CHINESE_EXPECTED: set[str] = set()


def test_translations_are_chinese(messages):
    """A msgstr copied from the English msgid is a forgotten translation."""
    # Punctuation-only msgids (", " → "、", "; " → "；") have no words to translate.
    for e in (e for e in messages if e["msgid"] not in NO_CHINESE_EXPECTED and re.search(r"\w", e["msgid"])):
        for text in _translations(e):
            assert CJK.search(text), f"{e['msgid']!r} → {text!r} has no Chinese"


# --- (b) the catalogue covers the code ---------------------------------------------------------------

# Python: walk the AST rather than grep, so implicitly concatenated literals ("a" "b"), keyword
# arguments and nesting are read exactly as xgettext reads them. The value is the positional index
# of the msgid (pgettext takes a context first).
GETTEXT_FUNCS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "npgettext": 1,
    "npgettext_lazy": 1,
}
# Templates: {% translate "…" %} / {% trans '…' %} (with or without context/noop/as) and _("…") in
# variables and tag arguments. {% blocktranslate %} bodies are left to makemessages: their msgids
# are rewritten (variables become %(name)s, whitespace trimmed), which a regex cannot mirror reliably.
TEMPLATE_TAG = re.compile(r"""\{%\s*trans(?:late)?\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
TEMPLATE_UNDERSCORE = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def _source_files(*suffixes: str):
    for top in SCANNED_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in suffixes and "__pycache__" not in path.parts and path.is_file():
                yield path


@functools.cache
def _python_calls() -> tuple[tuple[str, str, ast.Call], ...]:
    """(relative path, function name, call node) for every translation call in the scanned Python
    files; parsed once per test run."""
    calls = []
    for path in _source_files(".py"):
        with warnings.catch_warnings():  # e.g. invalid escape sequences in others' code: not our concern
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)  # _(…) or translation.gettext(…)
            if name in GETTEXT_FUNCS:
                calls.append((str(path.relative_to(ROOT)), name, node))
    return tuple(calls)


def python_msgids() -> dict[str, str]:
    """msgid → where it was found, for every translation call whose msgid is a string literal."""
    found = {}
    for where, name, call in _python_calls():
        msgid = call.args[GETTEXT_FUNCS[name]] if len(call.args) > GETTEXT_FUNCS[name] else None
        if isinstance(msgid, ast.Constant) and isinstance(msgid.value, str):
            found.setdefault(msgid.value, f"{where}:{call.lineno}")
    return found


def template_msgids() -> dict[str, str]:
    found = {}
    for path in _source_files(".html", ".txt"):
        text = path.read_text(encoding="utf-8")
        for pattern in (TEMPLATE_TAG, TEMPLATE_UNDERSCORE):
            for match in pattern.finditer(text):
                msgid = match.group(1) if match.group(1) is not None else match.group(2)
                # Escaped quotes inside a template literal are unescaped differently by Django's
                # template lexer and by makemessages; skip them rather than guess (none exist today).
                if "\\" in msgid:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.setdefault(msgid, f"{path.relative_to(ROOT)}:{line}")
    return found


def test_scanner_finds_known_strings():
    """Guard against a scanner that silently finds nothing."""
    py, tpl = python_msgids(), template_msgids()
    assert "Awaiting verification" in py
    assert "The check character (the 18th) does not match: please re-check the code." in py
    assert "Sign in" in tpl
    assert "Skip to content" in tpl


def test_every_marked_string_in_code_and_templates_is_in_the_catalogue(messages):
    known = {e["msgid"] for e in messages}
    missing = {
        msgid: where
        for msgid, where in {**template_msgids(), **python_msgids()}.items()
        if msgid not in known
    }
    assert not missing, (
        "strings marked for translation but absent from the zh_Hans catalogue (re-run makemessages, "
        "translate, then `make messages`):\n" + "\n".join(f"  {w}: {m!r}" for m, w in sorted(missing.items()))
    )


def test_translation_calls_take_literals_not_fstrings():
    """_(f"…") cannot be extracted and never matches a catalogue entry at run time."""
    offenders = [
        f"{where}:{call.lineno}"
        for where, name, call in _python_calls()
        if len(call.args) > GETTEXT_FUNCS[name] and isinstance(call.args[GETTEXT_FUNCS[name]], ast.JoinedStr)
    ]
    assert not offenders, offenders


# --- (c) the compiled catalogue is in effect -----------------------------------------------------------

KEY_STRINGS = {
    "Sign in": "登录",
    "Register": "注册",
    "Unified social credit code": "统一社会信用代码",
    "Above designated size": "规模以上（规上）",
    "District bureau staff": "区工信局工作人员",
    "City bureau staff": "市工信局工作人员",
    "Expert reviewer": "评审专家",
    "System administrator": "系统管理员",
    "Security administrator": "安全管理员",
    "Audit administrator": "审计管理员",
    "Awaiting verification": "待审核",
    "Verified": "已认证",
    "Two-factor verification": "双因素验证",
    "Digital Transformation Diagnosis Portal": "数字化转型诊断服务平台",
}


@pytest.mark.parametrize(("english", "chinese"), KEY_STRINGS.items())
def test_key_strings_are_chinese_in_zh_hans_and_english_in_en(english, chinese):
    with translation.override("zh-hans"):
        assert gettext(english) == chinese
    with translation.override("en"):
        assert gettext(english) == english


def test_placeholders_and_plurals_render_in_chinese():
    with translation.override("zh-hans"):
        assert gettext("Sign out (%(name)s)") % {"name": "wang"} == "退出登录（wang）"
        too_long = ngettext(
            "This password is too long. It must contain at most %(max)d character.",
            "This password is too long. It must contain at most %(max)d characters.",
            128,
        )
        assert "128" in too_long % {"max": 128}
        assert CJK.search(too_long)


def test_uscc_and_industry_errors_explain_the_problem_in_chinese():
    from portal.models import Enterprise, validate_uscc

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as check:
            validate_uscc("91440300708461136X")
        assert "校验码" in check.value.messages[0]
        with pytest.raises(ValidationError) as length:
            validate_uscc("9144030070846113")
        assert "18" in length.value.messages[0]
        assert "统一社会信用代码" in length.value.messages[0]
        with pytest.raises(ValidationError) as division:
            Enterprise(industry_section="C", industry_division="65").clean()
        assert "门类" in division.value.message_dict["industry_division"][0]
    with translation.override("en"):
        with pytest.raises(ValidationError) as check_en:
            validate_uscc("91440300708461136X")
        assert "check character" in check_en.value.messages[0]


# --- (d) the .mo is compiled from the current .po ------------------------------------------------------


def test_compiled_catalogue_is_up_to_date():
    hint = "run make messages (compilemessages) — `make test` does it before pytest"
    assert MO_PATH.exists(), f"{MO_PATH.relative_to(ROOT)} is missing: {hint}"
    assert MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime, (
        f"{MO_PATH.relative_to(ROOT)} is older than {PO_PATH.name}: {hint}"
    )


def test_django_and_drf_defaults_read_as_plain_chinese():
    """#13 minor: our catalogue overrides the frameworks' machine-like wording."""
    from django import forms
    from django.utils import translation
    from rest_framework import serializers

    class F(forms.Form):
        name = forms.CharField(max_length=3)
        count = forms.IntegerField()

    class S(serializers.Serializer):
        count = serializers.IntegerField()

    with translation.override("zh-hans"):
        errors = F({"name": "abcd", "count": "abc"}).errors
        assert errors["name"] == ["最多可填写 3 个字符（当前为 4 个）。"]
        assert errors["count"] == ["请输入整数。"]
        s = S(data={"count": "abc"})
        assert not s.is_valid()
        assert str(s.errors["count"][0]) == "请填写整数。"


def test_chinese_addresses_the_user_as_nin_with_full_width_punctuation(messages):
    """#13 minor: one form of address (您, never 你) and full-width punctuation in Chinese text.
    A colon before a digit stays: it is input syntax ("软件和模型开发:4")."""
    half_width = re.compile(r"[\u4e00-\u9fff][,;?!()]|[\u4e00-\u9fff]:(?!\d)|[,;:?!(][\u4e00-\u9fff]")
    for entry in messages:
        for key, text in entry.items():
            if not key.startswith("msgstr") or not isinstance(text, str):
                continue
            assert "你" not in text, (entry["msgid"], text)
            assert not half_width.search(text), (entry["msgid"], text)
