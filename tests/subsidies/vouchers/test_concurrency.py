"""Race safety on PostgreSQL, each thread on its own connection: two providers' staff redeem one
voucher at the same instant → one use; several staff issue the one-per-enterprise voucher at once →
one voucher and one reservation; a budget for three vouchers issued to six enterprises at once →
three, the rest clearly refused, Σ reserved ≤ allocated."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import AuditEvent, Enterprise, Provider, User
from subsidies.models import BudgetLine
from subsidies.vouchers import services
from subsidies.vouchers.models import Voucher, VoucherFile
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import EnterpriseFactory, MembershipFactory, ProviderFactory, StaffFactory, region
from tests.factories.providers import member_of, open_pool
from tests.factories.subsidies_integrity import published_version
from tests.portal.test_files import minimal_pdf

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def pdf():
    return SimpleUploadedFile("合同.pdf", minimal_pdf(), content_type="application/pdf")


def test_two_concurrent_redemptions_use_the_voucher_once():
    staff = StaffFactory(staff_role="district_staff", region=region("440309"))
    enterprise = EnterpriseFactory()
    voucher = services.issue_voucher_direct(version=published_version(), enterprise=enterprise,
                                            face_value="50000.00", actor=staff)
    pool = open_pool(region_code="440309", created_by=staff)
    providers = []
    for _n in range(2):
        provider = ProviderFactory()
        member_of(pool, provider=provider)
        providers.append((provider, MembershipFactory(provider=provider, enterprise=None, role="owner").user))

    def redeem(provider, user):
        return lambda: services.use_voucher(
            code=voucher.code, provider=Provider.objects.get(pk=provider.pk), actor=User.objects.get(pk=user.pk),
            contract_number="HT-1", contract_amount="80000.00", contract_file=pdf(), payment_file=pdf())

    outcomes = race([redeem(p, u) for p, u in providers])
    assert sorted(outcomes) == ["ok", "wrong_status"], outcomes
    stored = Voucher.objects.get(pk=voucher.pk)
    assert stored.status == Voucher.Status.USED and stored.state_version == 1
    assert VoucherFile.objects.filter(voucher=stored).count() == 2  # the loser's files are not kept
    assert AuditEvent.objects.filter(action="voucher.use").count() == 1


def test_concurrent_issues_to_one_enterprise_give_one_voucher():
    staff = [StaffFactory(staff_role="district_staff", region=region("440309")) for _n in range(THREADS)]
    enterprise = EnterpriseFactory()
    version = published_version()

    def issue(user):
        return lambda: services.issue_voucher_direct(version=version, enterprise=Enterprise.objects.get(
            pk=enterprise.pk), face_value="10000.00", actor=User.objects.get(pk=user.pk))

    outcomes = race([issue(user) for user in staff])
    assert sorted(outcomes) == ["ok"] + ["one_per_enterprise"] * (THREADS - 1), outcomes
    assert Voucher.objects.filter(enterprise=enterprise).count() == 1
    assert BudgetLine.objects.get(version=version).reserved == Decimal("10000.00")


def test_concurrent_issues_never_overspend_the_budget():
    staff = StaffFactory(staff_role="district_staff", region=region("440309"))
    version = published_version(budget=Decimal("30000.00"))
    enterprises = [EnterpriseFactory() for _n in range(THREADS)]

    def issue(enterprise):
        return lambda: services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="10000.00",
                                                     actor=User.objects.get(pk=staff.pk))

    outcomes = race([issue(e) for e in enterprises])
    assert sorted(outcomes) == ["ok"] * 3 + ["over_budget"] * (THREADS - 3), outcomes
    line = BudgetLine.objects.get(version=version)
    assert line.reserved == Decimal("30000.00") <= line.allocated
    assert Voucher.objects.filter(version=version).count() == 3
