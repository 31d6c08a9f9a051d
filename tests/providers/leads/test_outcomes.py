"""The outcome rating (pure): uplift against peers from the same starting band, n and confidence,
nothing below n = 3."""

import datetime as dt
from decimal import Decimal

import pytest

from providers.leads import outcomes as oc

D = Decimal
T0 = dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
ACCEPTED = dt.date(2025, 9, 1)
SIXTY_FIVE = D(65)


class World:
    """Readings and engagements built by hand; ids are handed out in order."""

    def __init__(self):
        self.readings, self.engagements, self.engaged = [], [], set()
        self._next = 0

    def _id(self):
        self._next += 1
        return self._next

    def pair(self, enterprise, *, start, gain, total=SIXTY_FIVE, spec="s", dims=("a",), at0=T0, at1=T1):
        first = oc.Reading(self._id(), enterprise, spec, at0, total, {d: D(start) for d in dims})
        second = oc.Reading(self._id(), enterprise, spec, at1, total + gain, {d: D(start) + D(gain) for d in dims})
        self.readings += [first, second]
        return first, second

    def peers(self, count, *, gain, start=50, total=SIXTY_FIVE, spec="s", first_enterprise=1000):
        for i in range(count):
            self.pair(first_enterprise + i, start=start, gain=gain, total=total, spec=spec)

    def engagement(self, provider, enterprise, *, gain, start=50, total=SIXTY_FIVE, areas=("software",), targets=("a",),
                   accepted=ACCEPTED, **kw):
        first, _second = self.pair(enterprise, start=start, gain=gain, total=total, **kw)
        self.engaged.add(enterprise)
        lead_id = self._id()
        self.engagements.append(oc.Engagement(lead_id, provider, enterprise, first.assessment_id, accepted,
                                              tuple(targets), tuple(areas)))

    def rate(self, **kw):
        return oc.rate(self.engagements, self.readings, frozenset(self.engaged), **kw)


def test_three_engagements_rate_against_peers():
    world = World()
    world.peers(4, gain=2)
    for e, gain in enumerate((6, 8, 10)):
        world.engagement(7, 100 + e, gain=gain)
    ratings = world.rate()
    overall = ratings[(7, None)]
    assert overall.n == 3
    assert overall.uplift == D("8.0")
    assert overall.peer_uplift == D("2.0")
    assert overall.excess == D("6.0")
    assert overall.std_error == D("1.2")  # sd 2 / √3
    assert overall.confidence == oc.LOW
    assert ratings[(7, "software")].n == 3


def test_below_three_nothing_is_shown():
    world = World()
    world.peers(4, gain=2)
    world.engagement(7, 100, gain=6)
    world.engagement(7, 101, gain=8)
    assert world.rate() == {}
    # …though the aggregation knows of them
    assert oc.aggregate(oc.measure(world.engagements, world.readings, frozenset(world.engaged)))[(7, None)].n == 2


def test_area_ratings_need_their_own_three():
    world = World()
    world.peers(3, gain=1)
    world.engagement(7, 100, gain=5, areas=("software", "data"))
    world.engagement(7, 101, gain=5, areas=("software",))
    world.engagement(7, 102, gain=5, areas=("software",))
    ratings = world.rate()
    assert set(ratings) == {(7, None), (7, "software")}


def test_peers_come_from_the_same_band_and_standard():
    world = World()
    world.peers(3, gain=2, total=SIXTY_FIVE)  # band 60-70
    world.peers(3, gain=20, total=D(35), first_enterprise=2000)  # band 30-40: ignored
    world.peers(3, gain=30, spec="other", first_enterprise=3000)  # other standard: ignored
    for e in range(3):
        world.engagement(7, 100 + e, gain=5, total=D(62))
    assert world.rate()[(7, None)].peer_uplift == D("2.0")


def test_engaged_enterprises_are_no_peers():
    world = World()
    world.peers(3, gain=2)
    for e in range(3):
        world.engagement(7, 100 + e, gain=5)
    world.engaged.add(1000)  # one peer hired someone (contract) outside these engagements
    assert world.rate() == {}  # only two peers left: below MIN_PEERS, nothing measured


def test_without_a_reassessment_after_acceptance_nothing_is_measured():
    world = World()
    world.peers(3, gain=2)
    for e in range(3):
        # re-assessed before the acceptance: does not measure the engagement
        world.engagement(7, 100 + e, gain=5, accepted=dt.date(2026, 6, 1))
    assert world.rate() == {}


def test_the_first_reassessment_after_acceptance_counts():
    world = World()
    world.peers(3, gain=2)
    for e in range(3):
        world.engagement(7, 100 + e, gain=5)
        base = world.readings[-1]
        # a later third reading with a large jump must not replace the first one after acceptance
        world.readings.append(oc.Reading(9000 + e, base.enterprise_id, "s", T1 + dt.timedelta(days=200), D(90),
                                         {"a": D(95)}))
    assert world.rate()[(7, None)].uplift == D("5.0")


def test_only_targeted_dimensions_count():
    world = World()
    world.peers(3, gain=2)
    for e in range(3):
        world.engagement(7, 100 + e, gain=5, targets=("missing",))
    assert world.rate() == {}


def test_providers_are_rated_apart_and_order_is_stable():
    world = World()
    world.peers(3, gain=2)
    for e in range(3):
        world.engagement(8, 200 + e, gain=1)
        world.engagement(7, 100 + e, gain=9)
    ratings = world.rate()
    assert list(ratings) == [(7, None), (7, "software"), (8, None), (8, "software")]
    assert ratings[(7, None)].excess == D("7.0")
    assert ratings[(8, None)].excess == D("-1.0")


@pytest.mark.parametrize(("n", "se", "label"), [
    (3, D(0), oc.LOW), (5, D(4), oc.MEDIUM), (5, D("4.1"), oc.LOW), (9, D(1), oc.MEDIUM),
    (10, D(2), oc.HIGH), (10, D("2.5"), oc.MEDIUM), (12, None, oc.LOW),
])
def test_confidence(n, se, label):
    assert oc.confidence(n, se) == label


@pytest.mark.parametrize(("total", "band"), [
    (D(0), "0-10"), (D("59.99"), "50-60"), (D(60), "60-70"), (D(100), "90-100"), (D(-3), "0-10"),
])
def test_bands(total, band):
    assert oc.band_of(total) == band
