"""subsidies/vouchers/amounts.py (pure): share of the price, rounded half up, capped by the face value."""

from decimal import Decimal as D

import pytest

from subsidies.vouchers.amounts import covered_amount


@pytest.mark.parametrize(("contract", "share", "face", "covered"), [
    ("100000.00", "0.30", "50000.00", "30000.00"),
    ("166666.66", "0.30", "50000.00", "50000.00"),  # 49 999.998 → 50 000.00, exactly the cap
    ("166666.63", "0.30", "50000.00", "49999.99"),  # 49 999.989 → 49 999.99, just under
    ("166670.00", "0.30", "50000.00", "50000.00"),  # over the cap
    ("0.05", "0.30", "10.00", "0.02"),  # 0.015 rounds half up
    ("0.00", "0.30", "10.00", "0.00"),
    ("900000.00", "1", "50000.00", "50000.00"),
])
def test_covered_amount(contract, share, face, covered):
    assert covered_amount(D(contract), D(share), D(face)) == D(covered)


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError, match="never negative"):
        covered_amount(D("-1"), D("0.3"), D("10"))


def test_one_formula_with_the_rules():
    """The cover is the rules' voucher formula with the face value as the cap."""
    from subsidies import rules

    given = {"share": "0.35", "cap": "20000.00", "per_enterprise": 1}
    params = rules.parse_params(rules.SERVICE_VOUCHER, {name: {"value": value, "source": "test", "confidence": "V"}
                                                        for name, value in given.items()})
    for price in ("0.00", "0.03", "12345.67", "57142.85", "57142.86", "900000.00"):
        assert covered_amount(D(price), D("0.35"), D("20000.00")) == rules.voucher(params, price).value
