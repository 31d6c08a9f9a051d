"""The pure pool rules: transitions, the score sheet and its bands, the average over experts, the
admission blockers and the yearly re-check, as tables."""

import datetime as dt
from decimal import Decimal as D

import pytest

from providers.pools import workflow as wf

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(("status", "action", "kind", "allowed", "target"), [
    ("submitted", "check_pass", "staff", True, "expert_review"),
    ("submitted", "check_return", "staff", True, "returned"),
    ("submitted", "check_refuse", "staff", True, "refused"),
    ("submitted", "check_pass", "provider", False, None),
    ("submitted", "check_pass", "expert", False, None),
    ("returned", "resubmit", "provider", True, "submitted"),
    ("returned", "resubmit", "staff", False, None),
    ("expert_review", "score", "expert", True, "expert_review"),
    ("expert_review", "score", "staff", False, None),
    ("expert_review", "publish_notice", "staff", True, "notice"),
    ("expert_review", "refuse", "staff", True, "refused"),
    ("notice", "object", "public", True, "notice"),
    ("notice", "admit", "staff", True, "admitted"),
    ("notice", "refuse", "staff", True, "refused"),
    ("notice", "withdraw", "provider", False, None),
    ("expert_review", "withdraw", "provider", True, "withdrawn"),
    ("submitted", "admit", "staff", False, None),
    ("admitted", "admit", "staff", False, None),
    ("refused", "resubmit", "provider", False, None),
    ("withdrawn", "check_pass", "staff", False, None),
])
def test_transitions(status, action, kind, allowed, target):
    move = wf.next_status(status, action, kind)
    assert (move.allowed, move.next_status) == (allowed, target)


def test_reasons_tell_role_from_status():
    assert wf.next_status("submitted", "check_pass", "provider").reason == "not_your_role"
    assert wf.next_status("admitted", "check_pass", "staff").reason == "not_in_this_status"


def test_allowed_actions():
    assert wf.allowed_actions("notice", "staff") == {"admit", "refuse", "resolve_objection", "object"}
    assert wf.allowed_actions("notice", None) == frozenset()


def test_weights_sum_to_one():
    assert sum(p.weight for p in wf.PARTS) == D(1)
    assert wf.WEIGHTS_PROVISIONAL


@pytest.mark.parametrize(("scores", "total"), [
    ({"basic": D(100), "capability": D(100), "delivery": D(100), "discount": D(100)}, D("100.00")),
    ({"basic": D(0), "capability": D(0), "delivery": D(0), "discount": D(0)}, D("0.00")),
    ({"basic": D(80), "capability": D(70), "delivery": D(90), "discount": D(60)}, D("76.50")),
    ({"basic": D("85.5"), "capability": D(75), "delivery": D(80), "discount": D(90)}, D("80.85")),
])
def test_sheet_total(scores, total):
    result = wf.sheet_total(scores)
    assert result.ok and result.total == total


@pytest.mark.parametrize("bad", [D(-1), D("100.01"), None, D("NaN"), D("Infinity"), 85])
def test_sheet_refuses_out_of_range_or_missing(bad):
    scores = {"basic": D(80), "capability": D(80), "delivery": D(80), "discount": bad}
    result = wf.sheet_total(scores)
    assert not result.ok and result.problems == ("discount",)


@pytest.mark.parametrize(("score", "band"), [
    (None, ""), (D("59.99"), ""), (D(60), "60-70"), (D("69.99"), "60-70"), (D(70), "70-80"),
    (D("79.99"), "70-80"), (D(80), "80-90"), (D("89.99"), "80-90"), (D(90), "90+"), (D(100), "90+"),
])
def test_bands(score, band):
    assert wf.band_of(score) == band


def test_average_ignores_conflicts_and_counts_pending():
    sheets = [wf.Sheet(D("80.00"), False), wf.Sheet(D("91.00"), False), wf.Sheet(D("10.00"), True),
              wf.Sheet(None, False)]
    avg = wf.average(sheets)
    assert (avg.score, avg.counted, avg.pending, avg.excluded, avg.band, avg.passed) == \
        (D("85.50"), 2, 1, 1, "80-90", True)


@pytest.mark.parametrize(("totals", "pass_score", "passed", "band"), [
    ([D(59), D(60)], D(60), False, ""),       # 59.50 rounds to two decimals, below 60
    ([D(61), D(60)], D(60), True, "60-70"),
    ([D(72)], D(75), False, ""),              # the pool may set a higher pass score
    ([D(72)], D(50), True, "70-80"),          # but never below the 60 mark
    ([D(55)], D(50), False, ""),
])
def test_average_pass(totals, pass_score, passed, band):
    avg = wf.average([wf.Sheet(t, False) for t in totals], pass_score=pass_score)
    assert (avg.passed, avg.band) == (passed, band)


def test_average_without_counted_sheets():
    avg = wf.average([wf.Sheet(D(90), True)])
    assert avg.score is None and not avg.passed and avg.excluded == 1


@pytest.mark.parametrize(("ends", "open_", "upheld", "blockers"), [
    (TODAY - dt.timedelta(days=1), 0, 0, ()),
    (TODAY, 0, 0, ("notice_running",)),
    (None, 0, 0, ("notice_running",)),
    (TODAY - dt.timedelta(days=1), 1, 0, ("open_objections",)),
    (TODAY - dt.timedelta(days=1), 0, 2, ("upheld_objections",)),
    (TODAY + dt.timedelta(days=3), 1, 1, ("notice_running", "open_objections", "upheld_objections")),
])
def test_admission_blockers(ends, open_, upheld, blockers):
    assert wf.admission_blockers(today=TODAY, notice_ends=ends, open_objections=open_,
                                 upheld_objections=upheld) == blockers


def test_notice_period_and_in_notice():
    start, end = wf.notice_period(TODAY, 7)
    assert end == dt.date(2026, 6, 7)
    assert wf.in_notice(end, start, end) and not wf.in_notice(end + dt.timedelta(days=1), start, end)
    assert not wf.in_notice(TODAY, None, None)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2026, 6, 1), 12, dt.date(2027, 6, 1)),
    (dt.date(2026, 11, 30), 36, dt.date(2029, 11, 30)),
    (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
])
def test_add_months(day, months, expected):
    assert wf.add_months(day, months) == expected


@pytest.mark.parametrize(("kwargs", "passed", "codes"), [
    ({}, True, []),
    ({"has_profile": False}, False, ["no_profile"]),
    ({"qualifications": [("CMMI", dt.date(2026, 5, 31)), ("ISO", None)]}, False, ["expired_qualification"]),
    ({"qualifications": [("CMMI", TODAY)]}, True, []),
    ({"confirmed_clients": 2}, False, ["few_clients"]),
    ({"upheld_complaints": 1}, False, ["upheld_complaints"]),
    ({"confirmed_clients": 0, "upheld_complaints": 3}, False, ["few_clients", "upheld_complaints"]),
])
def test_recheck(kwargs, passed, codes):
    values = {"today": TODAY, "has_profile": True, "qualifications": [], "confirmed_clients": 3,
              "min_confirmed_clients": 3, "upheld_complaints": 0, **kwargs}
    result = wf.recheck(**values)
    assert result.passed == passed and [r.code for r in result.reasons] == codes


def test_recheck_reason_parameters():
    result = wf.recheck(today=TODAY, has_profile=True, qualifications=[("等保", dt.date(2025, 1, 1))],
                        confirmed_clients=1, min_confirmed_clients=3, upheld_complaints=0)
    assert [r.as_dict() for r in result.reasons] == [
        {"code": "expired_qualification", "name": "等保", "expires": "2025-01-01"},
        {"code": "few_clients", "have": "1", "need": "3"}]
