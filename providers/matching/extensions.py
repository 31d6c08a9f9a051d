"""Extension points of matching, filled by higher apps in their ``AppConfig.ready()``.

* Net price (filled by [Subsidies]): ``register_net_price(fn)`` with
  ``fn(enterprise, solutions) -> {solution_id: Decimal net price (¥10k)}``, where ``solutions``
  are the engine's ``SolutionFacts`` of the candidates. Without it (or for a solution it leaves
  out) the engine ranks on the listed starting price and each explanation says so. The function may
  carry a ``prepare(enterprises)`` attribute returning ``fn(enterprise, solutions)`` with the same
  answers for the enterprises of a batch, its reads done once for all of them: ``rank_many`` uses it.
* Outcome ratings (filled by the ratings feature): ``register_outcome_ratings(fn)`` with
  ``fn(provider_ids) -> {(provider_id, area): Decimal 0–1 or None}``. Without it no provider has a
  rating and the explanation says so.

One function each: registering again replaces it (autoreload and tests never stack them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

NetPriceFn = Callable[[Any, Sequence[Any]], Mapping[int, Decimal]]
OutcomeFn = Callable[[Iterable[int]], Mapping[tuple[int, str], Decimal | None]]

_net_price: NetPriceFn | None = None
_outcome_ratings: OutcomeFn | None = None


def register_net_price(fn: NetPriceFn | None) -> NetPriceFn | None:
    global _net_price
    _net_price = fn
    return fn


def net_price_fn() -> NetPriceFn | None:
    return _net_price


def net_price_batch(enterprises: Sequence[Any]) -> NetPriceFn | None:
    """The net price for a batch of enterprises: the registered function's ``prepare`` when it has
    one (reads done once for the batch), else the function itself; None when none is registered."""
    fn = _net_price
    if fn is None:
        return None
    prepare = getattr(fn, "prepare", None)
    return prepare(enterprises) if prepare is not None else fn


def register_outcome_ratings(fn: OutcomeFn | None) -> OutcomeFn | None:
    global _outcome_ratings
    _outcome_ratings = fn
    return fn


def outcome_ratings_fn() -> OutcomeFn | None:
    return _outcome_ratings
