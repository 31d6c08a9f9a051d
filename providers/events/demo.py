"""Demo data for matchmaking events (issue #10): Longhua's supply–demand event, open, with assessed
enterprises that stated needs and the pool providers serving the district; pairings come from
the matching engine through the pairing job itself (run in-process), then a few are moved to a
meeting, an agreement and a refusal so every status shows. A second event is in preparation.

Deterministic (firms and providers in USCC order, fixed titles) and idempotent: events are found
by title, invitations and pairings by their natural keys. Without the matching engine installed
the events and invitations are seeded and the pairings are left to the page's button."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from diagnosis.models import Need
from portal.models import Region
from providers.events import selectors, services
from providers.models import EventParticipant, EventProvider, MatchEvent, Pairing, PairingJob

logger = logging.getLogger(__name__)

DISTRICT = "440309"
OPEN_TITLE = "龙华区电子信息产业数字化转型供需对接会"
DRAFT_TITLE = "龙华区智能制造专场供需对接会"
PARTICIPANTS, PROVIDERS = 24, 10


def _event(title: str, district: Region, creator, *, status: str, days: int) -> MatchEvent:
    event, _created = MatchEvent.objects.get_or_create(title=title, defaults={
        "kind": MatchEvent.Kind.DISTRICT, "region": district, "date": timezone.localdate() + dt.timedelta(days=days),
        "venue": "龙华区数字经济产业园报告厅", "status": status, "created_by": creator,
        "opened_at": timezone.now() if status == MatchEvent.Status.OPEN else None})
    return event


@transaction.atomic
def _invite(event: MatchEvent, creator, *, category: str = "") -> None:
    if EventParticipant.objects.filter(event=event).exists():
        return
    firms = list(selectors.candidates(event, category=category).filter(
        pk__in=Need.objects.values("assessment__enterprise_id")).order_by("uscc")[:PARTICIPANTS]
        .values_list("pk", "latest"))
    categories = selectors.need_categories(latest for _pk, latest in firms)
    EventParticipant.objects.bulk_create([EventParticipant(event=event, enterprise_id=pk, invited_by=creator,
                                                           categories=categories.get(latest, []))
                                          for pk, latest in firms])
    members = selectors.uninvited_members(event)
    members.sort(key=lambda m: m.provider.uscc)
    EventProvider.objects.bulk_create([EventProvider(event=event, provider_id=m.provider_id, member=m,
                                                     invited_by=creator) for m in members[:PROVIDERS]])


def _pair(event: MatchEvent, creator) -> int:
    """Run the pairing job in-process with the engine; returns the pairings made (0 without the engine)."""
    if Pairing.objects.filter(event=event).exists():
        return 0
    try:
        services.ranker()
    except ImportError:
        logger.info("matching engine not installed: the demo event has no pairings yet")
        return 0
    if not EventParticipant.objects.filter(event=event).exists() or not EventProvider.objects.filter(
            event=event).exists():
        return 0
    job = PairingJob.objects.create(event=event, requested_by=creator, enqueued_at=timezone.now())
    services.pairing_generate(job_id=job.pk)
    # Every status on the page: the first firms met their top provider, one agreed, one declined.
    firsts = list(Pairing.objects.filter(event=event, rank=1).order_by("enterprise__uscc")[:6])
    plan = ["agreed", "agreed", "meeting", "meeting", "declined", "suggested"]
    for index, (pairing, status) in enumerate(zip(firsts, plan, strict=False)):
        if status == "suggested":
            continue
        met = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2 + index)
        Pairing.objects.filter(pk=pairing.pk).update(
            status=status, meeting_at=met if status != "declined" else None, state_version=1,
            meeting_notes={"agreed": "双方就MES上线范围和报价达成一致。", "meeting": "企业介绍了排产痛点，服务商演示了方案。"}
            .get(status, ""),
            outcome={"agreed": "签订意向协议，下月进场调研。", "declined": "企业预算不足，暂不推进。"}.get(status, ""))
    return Pairing.objects.filter(event=event).count()


def seed_events(*, creator) -> int:
    """The two demo events of Longhua; returns the pairings made now."""
    district = Region.objects.filter(code=DISTRICT).first()
    if district is None or creator is None:
        return 0
    open_event = _event(OPEN_TITLE, district, creator, status=MatchEvent.Status.OPEN, days=7)
    _invite(open_event, creator)
    draft = _event(DRAFT_TITLE, district, creator, status=MatchEvent.Status.DRAFT, days=30)
    _invite(draft, creator, category="smart_manufacturing")
    return _pair(open_event, creator)
