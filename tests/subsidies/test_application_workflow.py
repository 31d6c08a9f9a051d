"""The application transition table and the pure checks (subsidies/workflow.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from subsidies import workflow as w
from subsidies.amounts import amount_for
from subsidies.models import Application

TABLE = [
    (w.DRAFT, "submit", w.ENTERPRISE, w.SUBMITTED),
    (w.RETURNED, "submit", w.ENTERPRISE, w.SUBMITTED),
    (w.SUBMITTED, "check_pass", w.STAFF, w.FORM_CHECKED),
    (w.SUBMITTED, "check_return", w.STAFF, w.RETURNED),
    (w.SUBMITTED, "check_reject", w.STAFF, w.REJECTED),
    (w.FORM_CHECKED, "assign_expert", w.STAFF, w.FORM_CHECKED),
    (w.FORM_CHECKED, "score", w.EXPERT, w.FORM_CHECKED),
    (w.FORM_CHECKED, "review_close", w.STAFF, w.EXPERT_REVIEWED),
    (w.EXPERT_REVIEWED, "audit", w.STAFF, w.AUDITED),
    (w.AUDITED, "publish_notice", w.STAFF, w.IN_NOTICE),
    (w.IN_NOTICE, "object", w.PUBLIC, w.IN_NOTICE),
    (w.IN_NOTICE, "approve", w.STAFF, w.DECIDED),
    (w.IN_NOTICE, "reject", w.STAFF, w.REJECTED),
    (w.DECIDED, "pay", w.STAFF, w.DISBURSED),
    (w.DISBURSED, "evaluate", w.STAFF, w.EVALUATED),
]


@pytest.mark.parametrize(("status", "action", "kind", "target"), TABLE)
def test_table_moves(status, action, kind, target):
    move = w.next_status(status, action, kind)
    assert move.allowed and move.next_status == target


@pytest.mark.parametrize(("status", "action", "kind"), [
    (w.SUBMITTED, "check_pass", w.ENTERPRISE),
    (w.SUBMITTED, "check_pass", w.EXPERT),
    (w.IN_NOTICE, "approve", w.EXPERT),
    (w.IN_NOTICE, "approve", w.PUBLIC),
    (w.FORM_CHECKED, "score", w.STAFF),
    (w.DRAFT, "submit", w.STAFF),
])
def test_wrong_role_refused(status, action, kind):
    assert w.next_status(status, action, kind) == w.Move(False, None, "not_your_role")


@pytest.mark.parametrize(("status", "action"), [
    (w.DRAFT, "approve"), (w.SUBMITTED, "approve"), (w.DECIDED, "approve"), (w.AUDITED, "approve"),
    (w.DISBURSED, "pay"), (w.EVALUATED, "evaluate"), (w.REJECTED, "submit"), (w.WITHDRAWN, "submit"),
    (w.SUBMITTED, "edit"), (w.DECIDED, "withdraw"), (w.IN_NOTICE, "withdraw"),
])
def test_not_in_this_status(status, action):
    kinds = (w.ENTERPRISE, w.STAFF, w.EXPERT, w.PUBLIC)
    assert all(w.next_status(status, action, k).reason == "not_in_this_status" for k in kinds)


def test_statuses_match_the_model_and_all_are_reachable():
    assert set(w.STATUSES) == set(Application.Status.values)
    assert w.reachable() == frozenset(w.STATUSES)
    assert not any(status in w.FINAL for (status, _a) in w.TRANSITIONS)


def test_returned_keeps_editing_and_final_states_allow_nothing():
    assert {"edit", "attach", "submit", "withdraw"} <= w.allowed_actions(w.RETURNED, w.ENTERPRISE)
    for status in w.FINAL:
        assert all(not w.allowed_actions(status, k) for k in (w.ENTERPRISE, w.STAFF, w.EXPERT, w.PUBLIC))
    assert w.allowed_actions(w.DRAFT, None) == frozenset()


@pytest.mark.parametrize(("raw", "problem"), [
    ("12.345", "too_many_decimals"), ("-1", "negative"), ("abc", "not_a_number"), ("NaN", "not_a_number"),
    ("Infinity", "not_a_number"), ("10000000000", "absurd"), ("1e30", "absurd"), ("", "not_a_number"),
])
def test_money_refuses(raw, problem):
    assert w.money(raw).problem == problem


def test_money_accepts_two_decimals_and_commas():
    assert w.money("1,250,000.50").value == Decimal("1250000.50")
    assert w.money("0").ok and not w.money("0", allow_zero=False).ok
    assert w.money("9999999999.99").ok


def test_filing_blockers_dates_and_region():
    day = dt.date(2026, 6, 1)
    base = {"version_status": "published", "applications_open": day, "applications_close": day + dt.timedelta(days=9),
            "programme_region_path": "44/4403/", "enterprise_region_path": "44/4403/440309/",
            "enterprise_verified": True}
    assert w.filing_blockers(today=day, **base) == ()
    assert w.filing_blockers(today=day + dt.timedelta(days=9), **base) == ()
    assert w.filing_blockers(today=day - dt.timedelta(days=1), **base) == ("not_open_yet",)
    assert w.filing_blockers(today=day + dt.timedelta(days=10), **base) == ("closed",)
    assert w.filing_blockers(today=day, **(base | {"enterprise_region_path": "44/4419/441900/"})) == ("outside_region",)
    assert "not_published" in w.filing_blockers(today=day, **(base | {"version_status": "draft"}))


def test_submission_needs_attachment_title_and_every_declaration():
    full = dict.fromkeys(w.DECLARATIONS, True)
    assert w.submission_blockers(declarations=full, attachments=1, project_title="x") == ()
    assert w.submission_blockers(declarations=full, attachments=0, project_title="x") == ("no_attachments",)
    partial = full | {"no_double_funding": False}
    assert w.submission_blockers(declarations=partial, attachments=1, project_title=" ") == ("no_title",
                                                                                              "declarations")


def test_score_average_skips_conflicts_and_waits_for_pending():
    sheets = [w.Sheet(Decimal("80"), False), w.Sheet(Decimal("70"), False), w.Sheet(None, True)]
    avg = w.average(sheets)
    assert (avg.score, avg.counted, avg.excluded, avg.passed) == (Decimal("75.00"), 2, 1, True)
    assert w.review_close_blockers(w.average([*sheets, w.Sheet(None, False)])) == ("scores_pending",)
    assert w.review_close_blockers(w.average([w.Sheet(None, True)])) == ("no_scores",)
    assert w.review_close_blockers(w.average([w.Sheet(Decimal("59.99"), False)])) == ("below_pass",)


def test_sheet_total_weights_and_bounds():
    full = dict.fromkeys(w.PART_CODES, Decimal(100))
    assert w.sheet_total(full).total == Decimal("100.00")
    assert w.sheet_total(full | {"benefit": Decimal("100.01")}).problems == ("benefit",)
    assert sum(p.weight for p in w.PARTS) == 1


def test_decision_blockers():
    today = dt.date(2026, 6, 10)
    ok = {"today": today, "notice_ends": today - dt.timedelta(days=1), "open_objections": 0,
          "upheld_objections": 0, "amount": Decimal("1")}
    assert w.decision_blockers(**ok) == ()
    assert w.decision_blockers(**(ok | {"notice_ends": today})) == ("notice_running",)
    assert w.decision_blockers(**(ok | {"open_objections": 1})) == ("open_objections",)
    assert w.decision_blockers(**(ok | {"upheld_objections": 1})) == ("upheld_objections",)
    assert w.decision_blockers(**(ok | {"amount": None})) == ("no_amount",)


def test_notice_period_counts_days_inclusive():
    start = dt.date(2026, 6, 1)
    assert w.notice_period(start, 5) == (start, dt.date(2026, 6, 5))
    assert w.in_notice(dt.date(2026, 6, 5), *w.notice_period(start, 5))
    assert not w.in_notice(dt.date(2026, 6, 6), *w.notice_period(start, 5))


def test_reference_format():
    assert w.reference("BT", 2026, 123) == "BT2026-000123"


@pytest.mark.parametrize(("investment", "expected"), [
    ("100000", "20000.00"), ("2500000", "500000.00"), ("2500005", "500000.00"), ("0.03", "0.01"),
])
def test_adapter_post_hoc_reward_rate_and_cap(investment, expected):
    params = {"rate": {"value": "0.20"}, "cap": {"value": "500000"}}
    amount = amount_for(instrument="post_hoc_reward", params=params, figures={},
                        declared_investment=Decimal("1"), verified_investment=Decimal(investment))
    assert amount.value == Decimal(expected)


def test_adapter_other_instruments():
    assert amount_for(instrument="service_voucher", params={"rate": "0.3", "cap": "100000"},
                      figures={"price": "50000"}, declared_investment=None,
                      verified_investment=None).value == Decimal("15000.00")
    assert amount_for(instrument="level_reward", params={"amounts": {"L4": "3000000"}}, figures={"level": "L4"},
                      declared_investment=None, verified_investment=None).value == Decimal("3000000.00")
    assert amount_for(instrument="post_hoc_reward", params={}, figures={}, declared_investment=Decimal(5),
                      verified_investment=None).value is None
