"""Net price for matching: what a solution costs the enterprise after the best voucher it may use.

``net_prices(enterprise, solutions)`` is the function providers/matching registers through
``register_net_price``: for each solution with a price, the price minus the largest voucher
(service or cloud) among the published programmes whose conditions the enterprise does not fail
(conditions only checkable at application, such as a pool provider, do not exclude a voucher).
When no voucher applies the answer is empty: matching then ranks on the listed price and says that
no subsidy was counted.
Prices are in the unit of ``ListingSolution.price_min`` (¥10k); the voucher is computed in yuan
(``rules.voucher``: share × price, at most the cap, ROUND_HALF_UP to 0.01 yuan) and the net price
returned in ¥10k with six decimals (exact to the fen). Solutions without a price are left out.

``net_prices.prepare(enterprises)`` gives the same answers for many enterprises at once (matching's
batch ranking): the facts, the parks and the candidate programmes are read in three queries for the
whole batch instead of three per enterprise."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from subsidies import rules

TEN_THOUSAND = Decimal(10000)
NET_PLACES = Decimal("0.000001")


def applicable_vouchers(enterprise, today=None) -> list[rules.InstrumentParams]:
    from subsidies.precheck.selectors import candidate_versions, enterprise_facts

    facts = enterprise_facts(enterprise, today)
    versions = candidate_versions(enterprise, facts.today).filter(programme__instrument__in=rules.VOUCHERS)
    return _vouchers([found for version in versions if (found := _parsed(version)) is not None], facts)


def _vouchers(versions, facts: rules.Facts) -> list[rules.InstrumentParams]:
    vouchers = []
    for params, conditions in versions:
        if rules.evaluate(conditions, facts).eligible:
            vouchers.append(params)
    return vouchers


def _parsed(version):
    try:
        return rules.parse_params(version.programme.instrument, version.params), \
            rules.parse_conditions(version.conditions)
    except rules.RuleError:
        return None


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
    return _priced(applicable_vouchers(enterprise), solutions)


def _priced(vouchers, solutions) -> dict[int, Decimal]:
    if not vouchers:
        return {}  # no voucher applies: matching ranks on the listed price and says so
    out = {}
    for solution in solutions:
        price = getattr(solution, "price_min", None)
        if price is None or price < 0:
            continue
        out[solution.id] = net_price(price, vouchers)
    return out


def prepare(enterprises, today=None):
    """``net_prices`` for a batch of enterprises: returns ``fn(enterprise, solutions)`` with the
    same answers as ``net_prices(enterprise, solutions)`` for each enterprise of the batch (another
    enterprise falls back to ``net_prices``). Three queries for the batch: the assessments, the
    parks and the candidate voucher programmes of every region concerned."""
    from django.utils import timezone

    from portal.models import Region
    from subsidies.precheck.selectors import candidate_versions_in, enterprise_facts_many

    enterprises = list(enterprises)
    today = today or timezone.localdate()
    parks = Region.objects.in_bulk({e.park_id for e in enterprises if e.park_id})
    facts = enterprise_facts_many(enterprises, today, parks=parks)
    codes = {code for found in facts.values() for code in found.region_codes}
    by_region: dict[str, list] = {}
    for version in candidate_versions_in(codes, today).filter(programme__instrument__in=rules.VOUCHERS):
        found = _parsed(version)
        if found is not None:
            by_region.setdefault(version.programme.region.code, []).append(found)
    vouchers = {pk: _vouchers([v for code in dict.fromkeys(f.region_codes) for v in by_region.get(code, ())], f)
                for pk, f in facts.items()}

    def priced(enterprise, solutions) -> dict[int, Decimal]:
        found = vouchers.get(enterprise.pk)
        if found is None:
            return net_prices(enterprise, solutions)
        return _priced(found, solutions)

    return priced


net_prices.prepare = prepare  # matching's batch ranking looks for it (providers/matching/extensions.py)
