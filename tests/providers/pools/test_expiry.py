"""The daily beat task: pool memberships past their validity become expired (audited, the
provider's people notified), and a certificate in the published profile that expires within 30 days
is announced once. Both run twice with the effect of once."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from portal.celery import app
from portal.models import AuditEvent, Notification
from providers.models import PoolMember
from providers.pools import services, tasks
from tests.factories.providers import (
    applicant,
    member_of,
    new_key,
    open_pool,
    profile_document,
    published_profile,
)

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def test_a_member_past_its_validity_expires_once_with_an_audit_event_and_a_notification(district_staff):
    pool = open_pool(created_by=district_staff)
    provider, owner = applicant()
    lapsed = member_of(pool, provider=provider, valid_until=_today() - dt.timedelta(days=1))
    suspended = member_of(pool, status="suspended", valid_until=_today() - dt.timedelta(days=3))
    current = member_of(pool, valid_until=_today())  # valid through today

    assert services.expire_memberships() == 2
    assert services.expire_memberships() == 0  # the second run changes nothing

    for member in (lapsed, suspended):
        member.refresh_from_db()
        assert member.status == PoolMember.Status.EXPIRED and member.state_version == 1
    current.refresh_from_db()
    assert current.status == PoolMember.Status.ACTIVE
    events = AuditEvent.objects.filter(action="pool_member.expire", object_id=str(lapsed.pk))
    assert events.count() == 1
    assert events.get().detail["before"]["status"] == "active" and events.get().detail["after"]["status"] == "expired"
    notes = Notification.objects.filter(user=owner, kind="pool.membership_expired")
    assert notes.count() == 1 and pool.name in notes.get().title


def test_expired_and_removed_members_are_left_alone(district_staff):
    pool = open_pool(created_by=district_staff)
    removed = member_of(pool, status="removed", valid_until=_today() - dt.timedelta(days=10))
    assert services.expire_memberships() == 0
    removed.refresh_from_db()
    assert removed.status == PoolMember.Status.REMOVED


def _certificate(key, expires):
    return {"key": key, "kind": "iso9001", "name": "ISO 9001 质量管理体系认证", "number": "Q-1",
            "issuer": "中国质量认证中心", "expires": expires.isoformat()}


def test_a_certificate_expiring_within_30_days_is_announced_once():
    provider, owner = applicant()
    soon, later, past = _today() + dt.timedelta(days=30), _today() + dt.timedelta(days=31), _today() - dt.timedelta(days=1)
    published_profile(provider, document=profile_document(qualifications=[
        _certificate(new_key(), soon), _certificate(new_key(), later), _certificate(new_key(), past)]))

    assert services.remind_expiring_qualifications() == 1
    assert services.remind_expiring_qualifications() == 0  # once per certificate

    notes = Notification.objects.filter(user=owner, kind="profile.qualification_expiring")
    assert notes.count() == 1 and soon.isoformat() in notes.get().title
    assert AuditEvent.objects.filter(action="provider.qualification_reminder").count() == 1
    # The later certificate is announced when its own 30 days begin, and only then.
    assert services.remind_expiring_qualifications(today=_today() + dt.timedelta(days=1)) == 1
    assert services.remind_expiring_qualifications(today=_today() + dt.timedelta(days=2)) == 0


def test_a_renewed_certificate_with_a_new_date_is_announced_again():
    provider, owner = applicant()
    first = _today() + dt.timedelta(days=10)
    key = new_key()
    published_profile(provider, document=profile_document(qualifications=[_certificate(key, first)]))
    assert services.remind_expiring_qualifications() == 1
    published_profile(provider, document=profile_document(qualifications=[
        _certificate(key, first + dt.timedelta(days=15))]))
    assert services.remind_expiring_qualifications() == 1
    assert Notification.objects.filter(user=owner, kind="profile.qualification_expiring").count() == 2


def test_the_task_runs_on_beat_under_a_fixed_name(district_staff):
    assert tasks.expire_memberships.name == "providers.pools.tasks.expire_memberships"
    assert tasks.expire_memberships.name in app.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["expire-pool-memberships"]
    assert entry["task"] == tasks.expire_memberships.name and entry["schedule"] <= 24 * 3600
    member = member_of(open_pool(created_by=district_staff), valid_until=_today() - dt.timedelta(days=1))
    assert tasks.expire_memberships.delay().get() == {"expired": 1, "reminded": 0}
    assert tasks.expire_memberships.delay().get() == {"expired": 0, "reminded": 0}
    member.refresh_from_db()
    assert member.status == PoolMember.Status.EXPIRED
