"""Race safety on PostgreSQL: staff approve (or reject) one submitted profile version from several
connections at once. The provider and version row locks plus the status check let exactly one
through; the database's one-published constraint never fires and the listing points at it.

Transactional tests flush every table, including the regions only the data migration loads, so
they are put back before each test and after the module (as in tests/diagnosis/review)."""


import pytest

from portal.models import AuditEvent, User
from providers.models import Listing, ProfileVersion
from providers.profiles import services
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import MembershipFactory, ProviderFactory, StaffFactory, region
from tests.factories.providers import published_profile, submitted_profile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def _decide(decision, version, user):
    def act():
        fresh = ProfileVersion.objects.select_related("provider__region").get(pk=version.pk)
        staff = User.objects.get(pk=user.pk)
        if decision == "approve":
            services.approve(version=fresh, staff=staff, expected_state=version.edit_version)
        else:
            services.reject(version=fresh, staff=staff, note="请补充", expected_state=version.edit_version)
    return act


@pytest.fixture
def world():
    provider = ProviderFactory(region=region("440309"))
    owner = MembershipFactory(provider=provider, role="owner").user
    published_profile(provider, actor=owner)
    version = submitted_profile(provider, owner, reason="变更")
    staff = [StaffFactory(staff_role="district_staff", region=region("440309")) for _n in range(THREADS)]
    return provider, version, staff


def test_simultaneous_approvals_leave_exactly_one_published_version(world):
    provider, version, staff = world
    outcomes = race([_decide("approve", version, user) for user in staff])
    assert sorted(outcomes) == ["already_decided"] * (THREADS - 1) + ["ok"]
    published = ProfileVersion.objects.filter(provider=provider, status="published")
    assert list(published.values_list("pk", flat=True)) == [version.pk]
    assert ProfileVersion.objects.filter(provider=provider, status="superseded").count() == 1
    assert Listing.objects.get(provider=provider).version_id == version.pk
    assert AuditEvent.objects.filter(action="profile.approve").count() == 1
    assert AuditEvent.objects.filter(action="profile.decision_refused").count() == THREADS - 1


def test_approve_and_reject_race_has_one_winner(world):
    provider, version, staff = world
    outcomes = race([_decide("approve" if n % 2 else "reject", version, user) for n, user in enumerate(staff)])
    assert sorted(outcomes) == ["already_decided"] * (THREADS - 1) + ["ok"]
    final = ProfileVersion.objects.get(pk=version.pk)
    decisions = AuditEvent.objects.filter(action__in=["profile.approve", "profile.reject"])
    assert decisions.count() == 1
    assert final.status == {"profile.approve": "published", "profile.reject": "rejected"}[decisions.get().action]
    assert ProfileVersion.objects.filter(provider=provider, status="published").count() == 1
