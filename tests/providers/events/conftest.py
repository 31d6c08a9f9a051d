"""Fixtures of the matchmaking events tests: an event of district 440309 with assessed enterprises
(needs stated) and invited pool providers, and a stand-in for the matching engine's ranking so the
job's mechanics are tested on their own (test_engine.py runs the real engine)."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from diagnosis.models import Need
from providers.events import services
from providers.models import EventParticipant, EventProvider, MatchEvent
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region
from tests.factories.providers import member_of, open_pool


@dataclass(frozen=True)
class FakeMatch:
    provider_id: int
    solution_id: int
    solution_title: str
    score: Decimal
    explanation: str


def fake_rank_many(pairs, *, weights=None, limit=10, provider_ids=None):
    """Deterministic: every allowed provider, one solution each, scored by ids (rank_many's shape)."""
    ranked = {}
    for enterprise, _assessment in pairs:
        rows = [FakeMatch(pid, 1000 + pid, f"方案{pid}", Decimal((enterprise.pk * 7 + pid * 3) % 100),
                          f"需求匹配 +{pid % 10}；行业经验 +1") for pid in (provider_ids or [])]
        ranked[enterprise.pk] = sorted(rows, key=lambda m: (-m.score, m.provider_id))[:limit]
    return ranked


@pytest.fixture
def ranked(monkeypatch):
    """A stand-in for the engine: the job's mechanics (claim, progress, upsert) on their own."""
    monkeypatch.setattr(services, "ranker", lambda: fake_rank_many)
    return fake_rank_many


def assessed(*, category: str = "digital_management", **fields):
    enterprise = EnterpriseFactory(**fields)
    assessment = scored_assessment(enterprise, total=60)
    Need.objects.create(assessment=assessment, category=category, created_by=assessment.created_by)
    return enterprise


@pytest.fixture
def event(district_staff):
    import datetime as dt

    return MatchEvent.objects.create(title="龙华区电子信息供需对接会", kind=MatchEvent.Kind.DISTRICT,
                                     region=region("440309"), date=dt.date.today(), created_by=district_staff)


@pytest.fixture
def pool(district_staff):
    return open_pool(created_by=district_staff)


@pytest.fixture
def members(pool):
    return [member_of(pool, due_days_ago=-100) for _i in range(3)]


@pytest.fixture
def firms():
    return [assessed() for _i in range(4)]


@pytest.fixture
def ready_event(event, members, firms, district_staff):
    """An event with its enterprises and providers invited."""
    for firm in firms:
        EventParticipant.objects.create(event=event, enterprise=firm, invited_by=district_staff,
                                        categories=["digital_management"])
    for member in members:
        EventProvider.objects.create(event=event, provider=member.provider, member=member, invited_by=district_staff)
    return event
