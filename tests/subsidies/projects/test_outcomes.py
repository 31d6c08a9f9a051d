"""subsidies/projects/outcomes.py (pure): gains in the targeted dimensions and points per ¥10 k."""

from decimal import Decimal as D

import pytest

from subsidies.projects import outcomes
from subsidies.projects.outcomes import ProjectOutcome


def test_gain_counts_only_targeted_dimensions_present_in_both():
    gain = outcomes.dimension_gain({"a": D("10"), "b": D("20"), "c": D("5")}, {"a": D("14.5"), "b": D("18"), "d": D(9)},
                                   ["a", "b", "c", "a"])
    assert gain.points == D("2.5")  # +4.5 − 2; c is missing from T1
    assert gain.counted == ("a", "b") and gain.missing == ("c",)


def outcome(pk, subsidy, gain, programme="券", district="南山区", provider="乙"):
    return ProjectOutcome(pk, programme, district, provider, D(subsidy), D(gain))


def test_ratio_of_sums_rounded_half_up():
    data = [outcome(1, "10000", "3"), outcome(2, "30000", "1"), outcome(3, "0", "50")]
    row = outcomes.overall(data)
    assert (row.n, row.subsidy, row.points) == (2, D("40000"), D("4"))
    assert row.points_per_10k == D("1.00") and row.small_sample
    assert outcomes.points_per_10k(D("1"), D("30000")) == D("0.33")
    assert outcomes.points_per_10k(D("1"), D("24000")) == D("0.42")  # 0.41666…
    assert outcomes.points_per_10k(D("1"), D("0")) is None


def test_grouped_tables_with_sample_sizes():
    data = [outcome(i, "10000", "2", provider="甲") for i in range(5)] + [
        outcome(10, "20000", "-1", provider="乙", district="宝安区")]
    by_provider = outcomes.table(data, "provider")
    assert [(r.label, r.n, r.points_per_10k, r.small_sample) for r in by_provider] == [
        ("甲", 5, D("2.00"), False), ("乙", 1, D("-0.50"), True)]
    by_district = outcomes.table(data, "district")
    assert [r.label for r in by_district] == ["南山区", "宝安区"]
    with pytest.raises(ValueError, match="unknown grouping"):
        outcomes.table(data, "colour")
