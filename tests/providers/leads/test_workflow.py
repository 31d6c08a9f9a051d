"""The lead pipeline table (pure): who moves which stage, dates and amounts."""

import datetime as dt
from decimal import Decimal

import pytest

from providers.leads import workflow as wf


@pytest.mark.parametrize(("stage", "action", "actor", "allowed", "target"), [
    ("requested", "contact", "provider", True, "contacted"),
    ("contacted", "propose", "provider", True, "proposal"),
    ("proposal", "contract", "provider", True, "contract"),
    ("contract", "deliver", "provider", True, "delivered"),
    ("delivered", "accept", "enterprise", True, "accepted"),
    ("delivered", "accept", "provider", False, None),  # a provider never accepts its own work
    ("requested", "contract", "provider", False, None),  # a jump
    ("requested", "accept", "enterprise", False, None),
    ("contacted", "decline", "provider", True, "declined"),
    ("proposal", "decline", "provider", False, None),
    ("contract", "close", "enterprise", True, "closed"),
    ("requested", "close", "provider", True, "closed"),
    ("accepted", "close", "enterprise", False, None),
    ("closed", "contact", "provider", False, None),
    ("requested", "contact", "enterprise", False, None),
    ("requested", "contact", None, False, None),
])
def test_transition_table(stage, action, actor, allowed, target):
    move = wf.next_stage(stage, action, actor)
    assert move.allowed is allowed
    assert move.next_stage == target


def test_reasons_tell_a_jump_from_a_wrong_side():
    assert wf.next_stage("requested", "deliver", "provider").reason == "not_in_this_stage"
    assert wf.next_stage("delivered", "accept", "provider").reason == "not_your_role"


def test_allowed_actions_per_side():
    assert wf.allowed_actions("requested", "provider") == ("contact", "decline", "close")
    assert wf.allowed_actions("delivered", "enterprise") == ("accept", "close")
    assert wf.allowed_actions("accepted", "enterprise") == ()
    assert wf.allowed_actions("requested", None) == ()


def test_every_final_stage_is_a_dead_end():
    for stage in wf.FINAL:
        for actor in (wf.PROVIDER, wf.ENTERPRISE):
            assert wf.allowed_actions(stage, actor) == ()


def test_every_target_stage_records_a_date():
    for _actors, target in wf.TRANSITIONS.values():
        assert target in wf.STAGE_DATE


TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(("day", "previous", "reason"), [
    (TODAY, None, ""),
    (None, None, "date_required"),
    (TODAY + dt.timedelta(days=1), None, "date_in_future"),
    (dt.date(2026, 11, 1), dt.date(2026, 11, 2), "date_before_previous"),
    (dt.date(2026, 11, 2), dt.date(2026, 11, 2), ""),
])
def test_step_dates(day, previous, reason):
    assert wf.step_date_problem(day, previous=previous, today=TODAY) == reason


@pytest.mark.parametrize(("value", "amount", "reason"), [
    ("350000", Decimal("350000.00"), ""),
    ("350,000.5", Decimal("350000.50"), ""),
    (" 12.34 ", Decimal("12.34"), ""),
    ("", None, "amount_required"),
    (None, None, "amount_required"),
    ("abc", None, "amount_invalid"),
    ("NaN", None, "amount_invalid"),
    ("Infinity", None, "amount_invalid"),
    (1.5, None, "amount_invalid"),
    ("0", None, "amount_not_positive"),
    ("-5", None, "amount_not_positive"),
    ("1.234", None, "amount_precision"),
    ("10000000000", None, "amount_too_large"),
])
def test_amounts(value, amount, reason):
    assert wf.parse_amount(value) == (amount, reason)
