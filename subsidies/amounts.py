"""The amount of an application under its programme version: THE adapter between the workflow and
the instrument rules.

``subsidies/rules.py`` (written on branch ``sub-rules``) owns the instruments' formulas. Until it is
merged, ``amount_for`` computes the plain cases from the version's parameters itself; the decision
and the estimate call nothing else, so wiring the real rules means replacing this one function.

Parameters are read as ``{"name": {"value": "…", "source": "…", "confidence": "P"}}`` (or a bare
value). Amounts are yuan, rounded half up to the cent, never above the cap."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Amount:
    value: Decimal | None  # None: the inputs do not give an amount
    basis: str  # a short English description of how it was computed (audited)


def _param(params: dict, name: str):
    raw = params.get(name)
    if isinstance(raw, dict) and "value" in raw:
        raw = raw["value"]
    return raw


def _decimal(raw) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def amount_for(*, instrument: str, params: dict, figures: dict, declared_investment: Decimal | None,
               verified_investment: Decimal | None) -> Amount:
    """The subsidy for one application (see the module docstring)."""
    cap = _decimal(_param(params, "cap"))
    if instrument == "level_reward":
        amounts = _param(params, "amounts") or {}
        level = str(figures.get("level", ""))
        value = _decimal(amounts.get(level)) if isinstance(amounts, dict) else None
        basis = f"level {level}"
    else:
        rate = _decimal(_param(params, "rate"))
        if instrument in ("service_voucher", "cloud_voucher"):
            base, name = _decimal(figures.get("price")), "price"
        elif instrument == "interest_subsidy":
            base, name = _decimal(figures.get("interest")), "interest"
        else:
            base = verified_investment if verified_investment is not None else declared_investment
            name = "verified investment" if verified_investment is not None else "declared investment"
        if rate is None or base is None:
            return Amount(None, "missing rate or base")
        value = rate * base
        basis = f"{rate} x {name} {base}"
    if value is None:
        return Amount(None, basis)
    if cap is not None and value > cap:
        value, basis = cap, f"{basis}, capped at {cap}"
    return Amount(max(value, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP), basis)


def for_application(application) -> Amount:
    version = application.version
    return amount_for(instrument=version.programme.instrument, params=version.params or {},
                      figures=application.figures or {}, declared_investment=application.declared_investment,
                      verified_investment=application.verified_investment)
