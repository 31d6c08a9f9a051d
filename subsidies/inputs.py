"""Input checks shared by the subsidy services: short texts and amounts in yuan. Each refusal is an
``Invalid`` with a translated message and a stable code, raised before anything is written."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from portal.exceptions import Invalid
from subsidies.integrity.checks import money_problem

# The largest amount any subsidy form accepts: ¥1 billion (an "absurd" figure above it is a typo).
MONEY_MAX = Decimal("1000000000.00")


def text(value: Any, *, required: bool, limit: int, code: str) -> str:
    if value is not None and not isinstance(value, str):
        raise Invalid(_("Enter text here."), code=f"{code}_invalid")
    value = (value or "").strip()
    if "\x00" in value:
        raise Invalid(_("The text contains a character that cannot be stored (a NUL byte)."), code=f"{code}_nul")
    if required and not value:
        raise Invalid(_("This field is required."), code=f"{code}_required")
    if len(value) > limit:
        raise Invalid(_("At most %(limit)d characters, please.") % {"limit": limit}, code=f"{code}_too_long")
    return value


def money(value: Any, *, code: str, maximum: Decimal = MONEY_MAX) -> Decimal:
    """An amount in yuan: positive, at most two decimals, at most ``maximum``."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise Invalid(_("Enter an amount in yuan, such as 12000.50."), code=f"{code}_invalid") from None
    problem = money_problem(amount, maximum=maximum)
    messages = {
        "not_finite": _("Enter an amount in yuan, such as 12000.50."),
        "negative": _("An amount cannot be negative."),
        "zero": _("An amount must be more than zero."),
        "too_many_places": _("An amount in yuan has at most two decimals (fen)."),
        "too_large": _("This amount is implausibly large (more than ¥%(max)s): please check it.")
        % {"max": f"{maximum:,.0f}"},
    }
    if problem:
        raise Invalid(messages[problem], code=f"{code}_{problem}")
    return amount
