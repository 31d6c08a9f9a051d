"""The outcome ratings of providers/leads as the matching engine's input (registered in wiring.py).

The leads feature rates a provider per capability area by the mean *excess uplift* of its accepted
engagements: points its clients gained beyond peers from the same starting band (shown only from
n = 3, docs/outcome-rating.md). The engine wants a 0–1 share per provider and area; ours ([P]):

    share = ½ + excess ÷ (2 × EXCESS_FOR_FULL), clamped to 0–1

so a provider whose clients gain as much as their peers scores ½, and EXCESS_FOR_FULL points more
(or less) scores 1 (or 0). The overall rating (no area) is not used: it would count twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

EXCESS_FOR_FULL = Decimal(10)
HALF, ZERO, ONE = Decimal("0.5"), Decimal(0), Decimal(1)


def share_of(excess: Decimal) -> Decimal:
    return max(ZERO, min(ONE, HALF + Decimal(excess) / (2 * EXCESS_FOR_FULL)))


def leads_outcome_ratings(provider_ids: Iterable[int]) -> dict[tuple[int, str], Decimal | None]:
    from providers.leads.selectors import outcome_ratings

    wanted = set(provider_ids)
    return {(pid, area): share_of(rating.excess) for (pid, area), rating in outcome_ratings().items()
            if area and pid in wanted and rating.shown}
