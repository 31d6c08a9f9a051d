"""Net price for matching: what a solution costs the enterprise after the best voucher it may use.

``net_prices(enterprise, solutions)`` is the function providers/matching registers through
``register_net_price``: for each solution with a price, the price minus the largest voucher
(service or cloud) among the published programmes whose conditions the enterprise does not fail
(conditions only checkable at application, such as a pool provider, do not exclude a voucher).
When no voucher applies the answer is empty: matching then ranks on the listed price and says that
no subsidy was counted.
Prices are in the unit of ``ListingSolution.price_min`` (¥10k); the voucher is computed in yuan
(``rules.voucher``: share × price, at most the cap, ROUND_HALF_UP to 0.01 yuan) and the net price
returned in ¥10k with six decimals (exact to the fen). Solutions without a price are left out."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from subsidies import rules

TEN_THOUSAND = Decimal(10000)
NET_PLACES = Decimal("0.000001")


def applicable_vouchers(enterprise, today=None) -> list[rules.InstrumentParams]:
    from subsidies.precheck.selectors import candidate_versions, enterprise_facts

    facts = enterprise_facts(enterprise, today)
    vouchers = []
    for version in candidate_versions(enterprise, facts.today).filter(programme__instrument__in=rules.VOUCHERS):
        try:
            params = rules.parse_params(version.programme.instrument, version.params)
            conditions = rules.parse_conditions(version.conditions)
        except rules.RuleError:
            continue
        if rules.evaluate(conditions, facts).eligible:
            vouchers.append(params)
    return vouchers


def net_price(price_10k: Decimal, vouchers: Iterable[rules.InstrumentParams]) -> Decimal:
    """The price (¥10k) minus the best voucher on it, never below zero."""
    price = (Decimal(price_10k) * TEN_THOUSAND).quantize(rules.CENT)
    if price > rules.MONEY_MAX:  # beyond any programme's reach: no voucher applies
        return Decimal(price_10k).quantize(NET_PLACES)
    best = max((rules.voucher(v, price).value for v in vouchers), default=Decimal(0))
    return (max(price - best, Decimal(0)) / TEN_THOUSAND).quantize(NET_PLACES)


def net_prices(enterprise, solutions) -> dict[int, Decimal]:
    """{solution id: net price in ¥10k} for the solutions with a ``price_min``. ``solutions`` are
    anything with ``id`` and ``price_min`` (the matching engine's SolutionFacts, ListingSolution)."""
    vouchers = applicable_vouchers(enterprise)
    if not vouchers:
        return {}  # no voucher applies: matching ranks on the listed price and says so
    out = {}
    for solution in solutions:
        price = getattr(solution, "price_min", None)
        if price is None or price < 0:
            continue
        out[solution.id] = net_price(price, vouchers)
    return out
