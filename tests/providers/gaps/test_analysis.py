"""The gap map's pure table: Decimal ratios, zero capacity, the city average, the k rule."""

from decimal import Decimal

import pytest

from providers.gaps.analysis import District, Level, analyse

DM, SM = "digital_management", "smart_manufacturing"


def test_ratios_and_the_city_average_are_decimals_from_the_exact_counts():
    table = analyse([District("A", "甲区"), District("B", "乙区")], [DM],
                    needs={("A", DM): 30, ("B", DM): 10}, providers={("A", DM): 3, ("B", DM): 5})
    a, b = table.cell("A", DM), table.cell("B", DM)
    assert (a.ratio, b.ratio) == (Decimal("10.00"), Decimal("2.00"))
    average = table.averages[0]
    # The city's needs over the sum of its districts' providers: 40 ÷ 8.
    assert (average.needs, average.providers, average.ratio) == (40, 8, Decimal("5.00"))
    assert (a.relative, b.relative) == (Decimal("2.00"), Decimal("0.40"))
    assert (a.level, b.level) == (Level.HIGH, Level.BELOW)
    assert all(isinstance(v, Decimal) for v in (a.ratio, a.relative, average.ratio))


def test_relative_figures_round_half_up_from_the_counts_not_from_rounded_ratios():
    # 1 ÷ 3 = 0.33 per provider; city 2 ÷ 4 = 0.5; relative (1 × 4) ÷ (3 × 2) = 0.666… → 0.67.
    table = analyse([District("A", "甲"), District("B", "乙")], [DM],
                    needs={("A", DM): 1, ("B", DM): 1}, providers={("A", DM): 3, ("B", DM): 1})
    assert table.cell("A", DM).ratio == Decimal("0.33")
    assert table.cell("A", DM).relative == Decimal("0.67")
    assert table.cell("B", DM).relative == Decimal("2.00")


def test_needs_without_any_provider_are_uncovered_and_lead_the_largest_gaps():
    table = analyse([District("A", "甲"), District("B", "乙"), District("C", "丙")], [DM, SM],
                    needs={("A", DM): 7, ("B", DM): 4, ("B", SM): 9, ("C", SM): 2},
                    providers={("B", DM): 1, ("B", SM): 1, ("C", SM): 3})
    uncovered = table.cell("A", DM)
    assert (uncovered.ratio, uncovered.relative, uncovered.level) == (None, None, Level.UNCOVERED)
    # A's needs still count in the city average; its zero providers add nothing.
    assert table.averages[0].needs == 11 and table.averages[0].providers == 1
    assert table.averages[0].ratio == Decimal("11.00")
    assert [(c.district, c.category) for c in table.largest_gaps()] == [("A", DM), ("B", SM)]


def test_a_cell_without_needs_reads_zero_and_a_category_without_needs_has_no_average():
    table = analyse([District("A", "甲")], [DM, SM], needs={("A", DM): 5}, providers={("A", DM): 2, ("A", SM): 4})
    empty = table.cell("A", SM)
    assert (empty.ratio, empty.relative, empty.level) == (Decimal("0.00"), None, Level.NONE)
    assert table.averages[1].ratio is None
    assert table.cell("A", DM).relative == Decimal("1.00") and table.cell("A", DM).level == Level.PAR


def test_no_provider_anywhere_gives_no_city_average():
    table = analyse([District("A", "甲"), District("B", "乙")], [DM], needs={("A", DM): 5, ("B", DM): 6}, providers={})
    assert table.averages[0].ratio is None
    assert {c.level for c in table.cells} == {Level.UNCOVERED}


def test_rows_keep_district_and_category_order():
    districts = [District("B", "乙"), District("A", "甲")]
    table = analyse(districts, [SM, DM], needs={}, providers={})
    assert [(d.code, [c.category for c in cells]) for d, cells in table.rows()] == [("B", [SM, DM]), ("A", [SM, DM])]


@pytest.mark.parametrize(("needs", "providers"), [({("A", DM): -1}, {}), ({}, {("A", DM): -2})])
def test_negative_counts_are_refused(needs, providers):
    with pytest.raises(ValueError, match="must not be negative"):
        analyse([District("A", "甲")], [DM], needs=needs, providers=providers)


# --- the k rule ---------------------------------------------------------------------------------------


def test_small_cells_outside_the_jurisdiction_are_withheld_with_the_next_smallest():
    districts = [District("OWN", "本区", own=True), District("B", "乙", own=False), District("C", "丙", own=False),
                 District("D", "丁", own=False)]
    needs = {("OWN", DM): 2, ("B", DM): 3, ("C", DM): 6, ("D", DM): 40}
    table = analyse(districts, [DM], needs=needs, providers={(code, DM): 2 for code in ("OWN", "B", "C", "D")})
    # B (3) is under k; alone the roll-up would be 3, so C (the next smallest) joins it.
    withheld = {c.district for c in table.cells if c.withheld}
    assert withheld == {"B", "C"}
    for code in withheld:
        cell = table.cell(code, DM)
        assert (cell.needs, cell.ratio, cell.relative) == (0, None, None)
    # The viewer's own small cell and the large outside one stay; the average rests on every count.
    assert table.cell("OWN", DM).needs == 2 and table.cell("D", DM).needs == 40
    assert table.averages[0].needs == 51 and not table.averages[0].masked


def test_when_the_withheld_cells_add_up_to_fewer_than_k_the_city_average_is_withheld_too():
    table = analyse([District("OWN", "本区", own=True), District("B", "乙", own=False)], [DM],
                    needs={("OWN", DM): 8, ("B", DM): 3}, providers={("OWN", DM): 2, ("B", DM): 1})
    assert table.cell("B", DM).withheld
    assert table.averages[0].masked
    own = table.cell("OWN", DM)
    # The own cell keeps its figures but no comparison that would give B's 3 away.
    assert (own.needs, own.ratio, own.relative, own.level) == (8, Decimal("4.00"), None, Level.UNRATED)


def test_every_district_in_the_jurisdiction_shows_every_cell():
    districts = [District("A", "甲", own=True), District("B", "乙", own=True)]
    table = analyse(districts, [DM], needs={("A", DM): 1, ("B", DM): 2}, providers={("A", DM): 1, ("B", DM): 1})
    assert not any(c.withheld for c in table.cells) and not table.averages[0].masked
