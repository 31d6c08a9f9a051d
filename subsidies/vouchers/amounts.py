"""What a voucher covers (pure): its share of the contract price, never more than its face value.
The formula is the rules' one (``subsidies.rules.voucher``: ``min(share × price, cap)``, rounded half
up to the fen) with the voucher's share and its face value as the cap."""

from __future__ import annotations

from decimal import Decimal

from subsidies import rules


def covered_amount(contract_amount: Decimal, share: Decimal, face_value: Decimal) -> Decimal:
    if contract_amount < 0 or share < 0 or face_value < 0:
        raise ValueError("amounts and share are never negative")
    params = rules.InstrumentParams(rules.SERVICE_VOUCHER, {
        "share": rules.Param(share, "voucher", rules.VERIFIED),
        "cap": rules.Param(face_value, "voucher face value", rules.VERIFIED)})
    return rules.voucher(params, contract_amount).value
