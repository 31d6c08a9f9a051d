"""Race safety on PostgreSQL: staff publish drafts of one programme at the same moment, each on its
own connection. The programme row lock and the expected-current check let exactly one through: one
published version, the old one superseded, one publish in the audit trail, everyone else a conflict."""


import pytest

from portal.models import AuditEvent, User
from subsidies.models import BudgetLine, ProgrammeVersion
from subsidies.programmes import services
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import StaffFactory, region
from tests.subsidies.factories import programme_from_seed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def _draft(programme, number, creator):
    first = programme.versions.get(number=1)
    version = ProgrammeVersion.objects.create(
        programme=programme, number=number, created_by=creator, params=first.params, conditions=first.conditions,
        document_number=first.document_number, document_title=first.document_title,
        effective_from=first.effective_from, effective_to=first.effective_to,
        applications_open=first.applications_open, applications_close=first.applications_close,
        budget_total=first.budget_total)
    BudgetLine.objects.create(version=version, allocated=version.budget_total)
    return version


@pytest.mark.parametrize("same_draft", [True, False])
def test_concurrent_publishes_leave_one_published(same_draft):
    staff = [StaffFactory(staff_role="city_staff", region=region("440300")) for _n in range(THREADS)]
    programme = programme_from_seed("sz-service-voucher", creator=staff[0])
    first = programme.versions.get(number=1)
    drafts = [_draft(programme, 2, staff[0])] if same_draft else [
        _draft(programme, n + 2, staff[0]) for n in range(THREADS)]

    def publish(user, draft):
        return lambda: services.version_publish(actor=User.objects.get(pk=user.pk),
                                                version=ProgrammeVersion.objects.get(pk=draft.pk),
                                                expected_current=first.pk)

    outcomes = race([publish(user, drafts[0 if same_draft else i]) for i, user in enumerate(staff)])
    expected = "not_draft" if same_draft else "stale"
    assert sorted(outcomes) == sorted(["ok"] + [expected] * (THREADS - 1)), outcomes
    assert programme.versions.filter(status="published").count() == 1
    assert ProgrammeVersion.objects.get(pk=first.pk).status == "superseded"
    assert AuditEvent.objects.filter(action="subsidy.version_publish").count() == 1
