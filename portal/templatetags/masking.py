"""Display of personal and financial numbers: masked (portal/crypto.py) with {% load masking %}
{{ payee.account_number|mask_account }}, {{ contact_phone|mask_phone }}, {{ id_number|mask_id }};
money amounts with {{ application.decided_amount|money }}."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from portal import crypto

register = template.Library()

register.filter("mask_phone", crypto.mask_phone)
register.filter("mask_account", crypto.mask_account)
register.filter("mask_id", crypto.mask_id)

_CENT = Decimal("0.01")


@register.filter
def money(value):
    """An amount for reading: 1234567 → "1,234,567.00", grouped, two decimals, unit left to the
    label (yuan or 万元). Computed on the Decimal, never a float, so the cents shown are the cents
    stored. Anything that is not a number (None, "—" from a default filter before) passes through."""
    if value is None or isinstance(value, bool):
        return value
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return value
    if not amount.is_finite():
        return value
    return f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"
