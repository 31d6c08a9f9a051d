"""Race safety on PostgreSQL: city officers save a new weights version at the same moment from the
same page (same base number). The region row lock lets exactly one through: one version, one audit
row, everyone else a conflict (409) and nothing saved."""

import pytest

from portal.models import AuditEvent, User
from providers.matching import services
from providers.matching.engine import default_weights
from providers.models import MatchingWeights
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import StaffFactory, region

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 5


def test_concurrent_versions_from_the_same_base_save_one():
    staff = [StaffFactory(staff_role="city_staff", region=region("440300")) for _n in range(THREADS)]
    points = dict(default_weights().points)

    def save(user, n):
        return lambda: services.create_weights_version(User.objects.get(pk=user.pk), points=points,
                                                       note=f"调整 {n}", base_number=0)

    outcomes = race([save(user, n) for n, user in enumerate(staff)])
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"], outcomes
    assert MatchingWeights.objects.count() == 1
    assert AuditEvent.objects.filter(action="matching.weights.create").count() == 1
