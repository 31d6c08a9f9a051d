from decimal import Decimal

import pytest

from diagnosis.scoring.regional import CCID_WEIGHTS, RegionalIndex, ccid_composite, regional_mean

TENTH = Decimal("0.1")


@pytest.mark.parametrize(
    ("basic_env", "industrial_app", "app_benefit", "places", "published"),
    [
        ("71.71", "59.70", "73.43", Decimal("0.01"), "66.14"),  # national 2014 (66.135)
        ("75.4", "66", "83.3", TENTH, "72.7"),  # national 2015 (72.675)
        ("74", "81.6", "92.4", TENTH, "82.4"),  # Hubei
        ("97", "74.7", "120", TENTH, "91.6"),  # Beijing: sub-indices may exceed 100
        ("80.2", "80.8", "64.2", TENTH, "76.5"),  # Heilongjiang
    ],
)
def test_ccid_composite_reproduces_published_figures(
    basic_env, industrial_app, app_benefit, places, published
):
    assert ccid_composite(
        Decimal(basic_env), Decimal(industrial_app), Decimal(app_benefit), places=places
    ) == Decimal(published)


def test_ccid_weights_are_inferred_and_sum_to_one():
    assert [w.weight for w in CCID_WEIGHTS] == [Decimal("0.25"), Decimal("0.50"), Decimal("0.25")]
    assert sum(w.weight for w in CCID_WEIGHTS) == 1
    assert {w.provenance for w in CCID_WEIGHTS} == {"I"}


def test_ccid_composite_accepts_strings_and_ints_but_not_floats():
    assert ccid_composite("100", 100, Decimal(100)) == Decimal("100.00")
    with pytest.raises(TypeError, match="basic_env"):
        ccid_composite(71.71, "59.70", "73.43")
    with pytest.raises(ValueError, match="app_benefit"):
        ccid_composite("1", "1", "-1")


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], RegionalIndex(mean=None, n=0)),
        ([None, None], RegionalIndex(mean=None, n=0)),
        ([Decimal("62.4")], RegionalIndex(mean=Decimal("62.40"), n=1)),
        ([Decimal("60"), Decimal("65"), None], RegionalIndex(mean=Decimal("62.50"), n=2)),
        ([Decimal("10"), Decimal("10"), Decimal("10.01")], RegionalIndex(mean=Decimal("10.00"), n=3)),
        ([Decimal("0.005"), Decimal(0)], RegionalIndex(mean=Decimal("0.00"), n=2)),
        (["1", "2"], RegionalIndex(mean=Decimal("1.50"), n=2)),
    ],
)
def test_regional_mean_is_the_simple_mean_with_sample_size(scores, expected):
    assert regional_mean(scores) == expected


def test_regional_mean_rounds_half_up_and_accepts_generators():
    assert regional_mean(Decimal(v) for v in ("0.005", "0.005")).mean == Decimal("0.01")
    assert regional_mean([Decimal("62.45")], places=TENTH).mean == Decimal("62.5")


@pytest.mark.parametrize("bad", [[62.4], [Decimal("-1")], [Decimal("NaN")], [True]])
def test_regional_mean_rejects_invalid_scores(bad):
    with pytest.raises((TypeError, ValueError), match="score"):
        regional_mean(bad)
