"""Race safety on PostgreSQL: many staff admit the same application at the same moment, each
thread on its own connection. The row lock plus the status and state_version checks let exactly one
through: one PoolMember, one admission in the audit trail, everyone else a conflict."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.models import AuditEvent, User
from providers.models import PoolApplication, PoolMember
from providers.pools import services
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import StaffFactory, region
from tests.factories.providers import application_in, open_pool

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def test_concurrent_admissions_create_one_member():
    staff = [StaffFactory(staff_role="district_staff", region=region("440309")) for _n in range(THREADS)]
    pool = open_pool(created_by=staff[0])
    today = timezone.localdate()
    application = application_in(pool, "notice", notice_starts=today - dt.timedelta(days=10),
                                 notice_ends=today - dt.timedelta(days=1))

    def admit(user):
        return lambda: services.application_decide(
            application=PoolApplication.objects.get(pk=application.pk), actor=User.objects.get(pk=user.pk),
            admit=True, note="", expected_version=0)

    outcomes = race([admit(user) for user in staff])
    assert sorted(outcomes) == ["ok"] + ["wrong_status"] * (THREADS - 1), outcomes
    assert PoolMember.objects.filter(pool=pool).count() == 1
    assert PoolApplication.objects.get(pk=application.pk).state_version == 1
    assert AuditEvent.objects.filter(action="pool_application.admit").count() == 1


def test_concurrent_applications_leave_one_active():
    staff = StaffFactory(staff_role="district_staff", region=region("440309"))
    pool = open_pool(created_by=staff)
    first = application_in(pool, "withdrawn")
    owner = first.submitted_by

    def apply():
        return lambda: services.application_submit(pool=pool, provider=first.provider, actor=User.objects.get(
            pk=owner.pk))

    outcomes = race([apply() for _n in range(THREADS)])
    assert sorted(outcomes) == ["already_applied"] * (THREADS - 1) + ["ok"], outcomes
    assert PoolApplication.objects.filter(pool=pool, status__in=PoolApplication.ACTIVE).count() == 1
