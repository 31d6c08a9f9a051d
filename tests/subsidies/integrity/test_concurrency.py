"""Race safety on PostgreSQL: several city staff override one flag at the same instant → one
override, one audit row; concurrent refreshes of one application never duplicate a flag."""

import pytest

from portal.models import AuditEvent, User
from subsidies.integrity import services
from subsidies.integrity.models import IntegrityFlag
from subsidies.models import Application
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import EnterpriseFactory, MembershipFactory, ProviderFactory, StaffFactory, region
from tests.factories.subsidies_integrity import application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 5


def _flagged_application():
    enterprise = EnterpriseFactory()
    provider = ProviderFactory()
    filer = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    return application(enterprise, provider=provider, filed_by=filer, status=Application.Status.IN_NOTICE)


def test_concurrent_overrides_record_one():
    app = _flagged_application()
    flag = services.flags_blocking_decision(app)[0]
    staff = [StaffFactory(staff_role="city_staff", region=region("440300")) for _n in range(THREADS)]

    def override(user):
        return lambda: services.override_flag(flag=IntegrityFlag.objects.get(pk=flag.pk),
                                              actor=User.objects.get(pk=user.pk), expected_version=0,
                                              justification="企业书面确认由服务商代为填报，材料真实")

    outcomes = race([override(user) for user in staff])
    assert sorted(outcomes) == ["ok"] + ["stale"] * (THREADS - 1), outcomes
    assert IntegrityFlag.objects.get(pk=flag.pk).state_version == 1
    assert AuditEvent.objects.filter(action="integrity.override").count() == 1


def test_concurrent_refreshes_store_each_finding_once():
    app = _flagged_application()
    outcomes = race([lambda: services.refresh_flags(Application.objects.get(pk=app.pk)) for _n in range(THREADS)])
    assert outcomes == ["ok"] * THREADS
    assert IntegrityFlag.objects.filter(application=app).count() == 1
