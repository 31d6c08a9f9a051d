"""The amount of an application under its programme version: THE adapter between the workflow and
the instrument rules.

``subsidies/rules.py`` (written on branch ``sub-rules``) owns the instruments' formulas. ``amount_for``
is the only function the decision and the estimate call: when ``subsidies.rules`` is importable and
parses the version's parameters, its formula decides (``_with_rules``); otherwise (the module not yet
merged, or parameters in the plain ``rate``/``cap`` shape) the plain cases are computed here. Once
the rules are merged and every programme's parameters are in their shape, the fallback can go.

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


def _with_rules(instrument: str, params: dict, figures: dict, base: Decimal | None) -> Amount | None:
    """The amount by ``subsidies.rules``; None when the module is absent or does not take these
    parameters (then the fallback below decides)."""
    try:
        from subsidies import rules  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        parsed = rules.parse_params(instrument, params)
    except (rules.RuleError, ValueError, TypeError, KeyError):
        return None
    try:
        if instrument in rules.VOUCHERS:
            result = rules.voucher(parsed, figures.get("price"))
        elif instrument == rules.POST_HOC_REWARD:
            result = rules.post_hoc_reward(parsed, base)
        elif instrument == rules.INTEREST_SUBSIDY:
            result = rules.interest_subsidy(parsed, [figures.get("interest")])
        elif instrument == rules.LEVEL_REWARD:
            result = rules.level_reward(parsed, str(figures.get("level", "")) or None)
        elif instrument == rules.DEMONSTRATION_GRANT:
            result = rules.demonstration_grant(parsed, base)
        elif instrument == rules.OPEN_CALL:
            result = rules.open_call_award(parsed, base)
        else:
            return Amount(None, f"no formula for {instrument}")
    except (rules.RuleError, ValueError, TypeError, KeyError):
        return Amount(None, "the rules refused the inputs")
    return Amount(result.value, f"rules.{result.formula}" + (" (capped)" if result.capped else ""))


def amount_for(*, instrument: str, params: dict, figures: dict, declared_investment: Decimal | None,
               verified_investment: Decimal | None) -> Amount:
    """The subsidy for one application (see the module docstring)."""
    base = verified_investment if verified_investment is not None else declared_investment
    by_rules = _with_rules(instrument, params, figures, base)
    if by_rules is not None:
        return by_rules
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
