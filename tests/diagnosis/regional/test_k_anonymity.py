"""The k rule and the mean over a database sum (pure: diagnosis/scoring/regional.py)."""

from decimal import Decimal

import pytest

from diagnosis.scoring.regional import K_ANONYMITY, Aggregate, mean_of, suppress_small


def cell(key, firms, total="0"):
    return Aggregate(key, Decimal(total), firms, firms)


def test_k_is_five():
    assert K_ANONYMITY == 5


def test_nothing_is_withheld_at_five_or_more():
    result = suppress_small([cell("a", 10), cell("b", 5)])
    assert [c.key for c in result.shown] == ["a", "b"] and result.rollup is None and not result.withheld


def test_cells_under_five_are_rolled_up():
    result = suppress_small([cell("a", 10, "600"), cell("b", 3, "150"), cell("c", 2, "130")])
    assert [c.key for c in result.shown] == ["a"]
    assert result.withheld == ("b", "c")
    assert result.rollup == Aggregate("other", Decimal("280"), 5, 5) and result.rollup_shown
    assert result.rollup.mean == Decimal("56.0")


def test_a_roll_up_under_five_takes_the_smallest_shown_cell_too():
    # One small cell alone would be given away by subtracting the shown cells from the total.
    result = suppress_small([cell("a", 10), cell("b", 8), cell("c", 3), cell("d", 1)])
    assert [c.key for c in result.shown] == ["a"]
    assert set(result.withheld) == {"b", "c", "d"} and result.rollup.firms == 12


def test_when_everything_is_small_only_the_existence_of_the_roll_up_shows():
    result = suppress_small([cell("a", 1), cell("b", 2)])
    assert result.shown == () and result.rollup.firms == 3 and not result.rollup_shown


@pytest.mark.parametrize(("total", "n", "expected"), [
    ("124.8", 2, Decimal("62.4")), ("0.25", 1, Decimal("0.3")), ("62.35", 1, Decimal("62.4")), ("0", 0, None),
])
def test_mean_of_a_sum_rounds_half_up_to_one_place(total, n, expected):
    assert mean_of(Decimal(total), n) == expected


def test_mean_of_refuses_floats():
    with pytest.raises(TypeError):
        mean_of(1.5, 1)
