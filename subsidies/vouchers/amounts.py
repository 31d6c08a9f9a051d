"""What a voucher covers (pure): its share of the contract price, never more than its face value.
Decimal yuan, rounded half up to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def covered_amount(contract_amount: Decimal, share: Decimal, face_value: Decimal) -> Decimal:
    if contract_amount < 0 or share < 0 or face_value < 0:
        raise ValueError("amounts and share are never negative")
    return min((contract_amount * share).quantize(TWO_PLACES, rounding=ROUND_HALF_UP), face_value)
