"""The engine's answer errors in the user's language (#13: they were Chinese only). The pure engine
gives a kind and plain parameters; diagnosis.scoring.messages, installed by the app, translates them
at the edge. Chinese stays the engine's own wording; English has no Chinese left but the values the
enterprise typed."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from diagnosis.scoring import AnswerError, ContextError, engine, messages, score, validate_answer
from diagnosis.spec import get_spec

SME = get_spec("sme-2024@1.0")
CMMM = get_spec("gbt39116-2020@1.0")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")

BAD = [
    (SME, "nonexistent", "x", "Unknown question"),
    (SME, "it-coverage", "most", "Unknown option 'most' (choose from: "),
    (SME, "network", ["none", "industrial-5g"], "'None of the above' cannot be chosen together with other options"),
    (SME, "network", [], "Choose at least one option"),
    (SME, "network", "industrial-5g", "must be a list of option codes"),
    (SME, "network", ["industrial-5g", "industrial-5g"], "An option was chosen twice"),
    (SME, "device-digitisation", {"numerator": 1, "denominator": 0}, "the second figure cannot be 0"),
    (SME, "device-digitisation", {"numerator": 11, "denominator": 10}, "(11) cannot be larger than"),
    (SME, "device-digitisation", {"numerator": 1}, "must be {numerator, denominator} or one number"),
    (SME, "device-digitisation", "100.01", "The value must lie between 0 and 100%, got 100.01"),
    (SME, "device-digitisation", -1, "cannot be negative: -1"),
    (SME, "device-digitisation", "abc", "must be a number, got 'abc'"),
    (SME, "device-digitisation", float("nan"), "must be a finite number"),
    (SME, "sc-quality", 5, "The scenario level must be a whole number from 0 to 4"),
    (CMMM, next(c for c, i in CMMM.items.items() if i.kind == "requirement"), "maybe",
     "The degree of fulfilment must be full=1 / most=0.8 / part=0.5 / none=0, got 'maybe'"),
]


def _error(spec, code, value) -> AnswerError:
    with pytest.raises(AnswerError) as raised:
        validate_answer(spec, code, value)
    return raised.value


@pytest.mark.parametrize(("spec", "code", "value", "english"), BAD)
def test_answer_errors_speak_english_in_english(spec, code, value, english):
    error = _error(spec, code, value)
    with translation.override("en"):
        assert english in error.message and str(error) == f"{code}: {error.message}"
        assert not CJK.search(error.message), error.message


@pytest.mark.parametrize(("spec", "code", "value", "english"), BAD)
def test_chinese_messages_are_the_engines_own_wording(spec, code, value, english):
    error = _error(spec, code, value)
    with translation.override("zh-hans"):
        assert error.message == error.chinese and str(error) == f"{code}: {error.chinese}"


def test_unanswered_and_context_errors_in_english():
    with pytest.raises(AnswerError) as raised:
        score(SME, {})
    with translation.override("en"):
        assert re.fullmatch(r"Not answered \(\d+ questions left\)", raised.value.message)
    with translation.override("zh-hans"):
        assert raised.value.message == raised.value.chinese
    with pytest.raises(ContextError) as raised:
        score(CMMM, {}, {"production_type": "floating"})
    with translation.override("en"):
        assert "The enterprise's production_type must be one of" in raised.value.message
        assert not CJK.search(raised.value.message)


def test_every_kind_the_engine_raises_has_a_translation():
    source = Path(engine.__file__).read_text(encoding="utf-8")
    raises = [source[m.end():m.end() + 600] for m in re.finditer(r"raise (?:AnswerError|ContextError)\(", source)]
    kinds = {re.search(r'kind="(\w+)"', text)[1] for text in raises}
    assert kinds and kinds <= {*messages._messages(), "unanswered"}, kinds - set(messages._messages())


def test_without_the_edge_the_engine_keeps_its_chinese(monkeypatch):
    monkeypatch.setattr(AnswerError, "localise", None)
    error = _error(SME, "network", [])
    with translation.override("en"):
        assert error.message == error.chinese and CJK.search(str(error))
