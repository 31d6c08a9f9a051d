"""Vouchers: issue (from a decided application, directly by staff), one per enterprise, use by an
active pool provider only, verify, pay with the budget moved, expiry; personas; bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.exceptions import Conflict, Forbidden, Invalid, NotFound, WrongState
from portal.models import AuditEvent
from subsidies.models import Application, BudgetLine, Instrument
from subsidies.vouchers import services
from subsidies.vouchers.models import Voucher, VoucherFile
from tests.factories.portal import MembershipFactory, ProviderFactory, StaffFactory
from tests.factories.providers import member_of, open_pool
from tests.factories.subsidies_integrity import application, published_version
from tests.portal.test_files import minimal_pdf

pytestmark = pytest.mark.django_db


def pdf(name="合同.pdf"):
    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


@pytest.fixture
def version(db):
    return published_version()


@pytest.fixture
def pool_provider(db):
    """An active member of the Nanshan district pool (the enterprise fixture's district) and its owner."""
    provider = ProviderFactory()
    owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    member_of(open_pool(region_code="440309"), provider=provider)
    return provider, owner


@pytest.fixture
def issued(version, enterprise, district_staff):
    return services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="50000.00",
                                         actor=district_staff)


def use(voucher, provider, actor, amount="100000.00"):
    return services.use_voucher(code=voucher.code, provider=provider, actor=actor, contract_number="HT-2026-001",
                                contract_amount=amount, contract_file=pdf(), payment_file=pdf("付款凭证.pdf"))


def test_direct_issue_reserves_the_face_value(issued, version):
    assert issued.status == Voucher.Status.ISSUED and issued.share == Decimal("0.3000")
    assert len(issued.code) == 12
    line = BudgetLine.objects.get(version=version)
    assert line.reserved == Decimal("50000.00")
    assert AuditEvent.objects.filter(action="voucher.issue", object_id=str(issued.pk)).exists()


def test_one_voucher_per_enterprise_when_the_programme_says_so(issued, version, enterprise, district_staff):
    with pytest.raises(Conflict) as refused:
        services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="1000", actor=district_staff)
    assert refused.value.code == "one_per_enterprise"
    assert Voucher.objects.count() == 1
    assert BudgetLine.objects.get(version=version).reserved == Decimal("50000.00")


def test_several_allowed_when_the_programme_does_not_limit(enterprise, district_staff):
    version = published_version(params={"share": "0.5", "cap": "2000"})
    for _ in range(2):
        services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="2000", actor=district_staff)
    assert Voucher.objects.filter(enterprise=enterprise).count() == 2


@pytest.mark.parametrize(("face", "code"), [("100000.01", "face_value_over_cap"), ("-1", "face_value_negative"),
                                            ("10.001", "face_value_too_many_places"), ("x", "face_value_invalid")])
def test_bad_face_values(version, enterprise, district_staff, face, code):
    with pytest.raises(Invalid) as refused:
        services.issue_voucher_direct(version=version, enterprise=enterprise, face_value=face, actor=district_staff)
    assert refused.value.code == code
    assert not Voucher.objects.exists() and BudgetLine.objects.get(version=version).reserved == 0


def test_over_budget_issue_is_refused(enterprise, district_staff):
    version = published_version(budget=Decimal("1000.00"))
    with pytest.raises(Conflict) as refused:
        services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="1000.01",
                                      actor=district_staff)
    assert refused.value.code in {"over_budget", "face_value_over_cap"}
    assert not Voucher.objects.exists()


def test_staff_of_another_district_cannot_issue(version, enterprise, other_district_staff, owner):
    for actor in (other_district_staff, owner):
        with pytest.raises(Forbidden):
            services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="100", actor=actor)
    assert AuditEvent.objects.filter(action="voucher.action_refused").count() == 2


def test_a_programme_without_voucher_parameters_cannot_issue(enterprise, district_staff):
    version = published_version(params={})
    with pytest.raises(Invalid) as refused:
        services.issue_voucher_direct(version=version, enterprise=enterprise, face_value="100", actor=district_staff)
    assert refused.value.code == "voucher_parameters"


def test_issue_from_a_decided_application_is_idempotent(enterprise, owner, version, city_staff):
    line = BudgetLine.objects.get(version=version)
    app = application(enterprise, version=version, filed_by=owner, status=Application.Status.DECIDED,
                      decided_amount=Decimal("30000.00"), budget_line=line, decided_by=city_staff)
    BudgetLine.objects.filter(pk=line.pk).update(reserved=Decimal("30000.00"))  # what the decision reserved
    voucher = services.issue_voucher(app, actor=city_staff)
    assert services.issue_voucher(app, actor=city_staff) == voucher
    assert voucher.face_value == Decimal("30000.00") and voucher.application == app
    assert BudgetLine.objects.get(pk=line.pk).reserved == Decimal("30000.00")  # not reserved twice


def test_issue_refused_for_an_undecided_or_non_voucher_application(enterprise, owner):
    with pytest.raises(WrongState):
        services.issue_voucher(application(enterprise, filed_by=owner, status=Application.Status.AUDITED))
    reward = published_version(instrument=Instrument.POST_HOC_REWARD)
    with pytest.raises(Invalid):
        services.issue_voucher(application(enterprise, version=reward, status=Application.Status.DECIDED))
    assert not Voucher.objects.exists()


# ─── use, verify, pay ────────────────────────────────────────────────────────────────────────


def test_full_life_cycle_moves_the_budget(issued, pool_provider, district_staff, city_staff, version):
    provider, provider_owner = pool_provider
    used = use(issued, provider, provider_owner)
    assert used.status == Voucher.Status.USED and used.redeemed_amount == Decimal("30000.00")  # 30 % of 100 000
    assert VoucherFile.objects.filter(voucher=used).count() == 2
    verified = services.verify_voucher(voucher=used, actor=district_staff, expected_version=used.state_version)
    with pytest.raises(Forbidden):  # R9: the verifier does not pay
        services.pay_voucher(voucher=verified, actor=district_staff, expected_version=verified.state_version)
    paid = services.pay_voucher(voucher=verified, actor=city_staff, expected_version=verified.state_version)
    assert paid.status == Voucher.Status.PAID
    line = BudgetLine.objects.get(version=version)
    assert (line.reserved, line.disbursed) == (Decimal("30000.00"), Decimal("30000.00"))
    assert list(AuditEvent.objects.order_by("pk").filter(object_id=str(paid.pk), action__in=[
        "voucher.issue", "voucher.use", "voucher.verify", "voucher.pay"]).values_list("action", flat=True)) == [
        "voucher.issue", "voucher.use", "voucher.verify", "voucher.pay"]


def test_cover_is_capped_by_the_face_value(issued, pool_provider):
    provider, provider_owner = pool_provider
    assert use(issued, provider, provider_owner, amount="900000.00").redeemed_amount == Decimal("50000.00")


def test_provider_outside_any_pool_gets_a_clear_error(issued):
    provider = ProviderFactory()
    owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    with pytest.raises(Forbidden) as refused:
        use(issued, provider, owner)
    assert refused.value.code == "not_pool_member"
    issued.refresh_from_db()
    assert issued.status == Voucher.Status.ISSUED and not VoucherFile.objects.exists()


def test_suspended_or_other_district_pool_member_cannot_use(issued):
    suspended = ProviderFactory()
    owner = MembershipFactory(provider=suspended, enterprise=None, role="owner").user
    member_of(open_pool(region_code="440309"), provider=suspended, status="suspended")
    with pytest.raises(Forbidden):
        use(issued, suspended, owner)
    elsewhere = ProviderFactory()
    owner2 = MembershipFactory(provider=elsewhere, enterprise=None, role="owner").user
    member_of(open_pool(region_code="440306"), provider=elsewhere)
    with pytest.raises(Forbidden):
        use(issued, elsewhere, owner2)


def test_city_pool_member_covers_the_districts(issued):
    provider = ProviderFactory()
    owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    member_of(open_pool(region_code="440300"), provider=provider)
    assert use(issued, provider, owner).status == Voucher.Status.USED


def test_used_once_expired_unknown_and_bad_input(issued, pool_provider, version, enterprise, district_staff):
    provider, provider_owner = pool_provider
    use(issued, provider, provider_owner)
    with pytest.raises(WrongState):
        use(issued, provider, provider_owner)
    with pytest.raises(NotFound):
        services.use_voucher(code="VNOPE", provider=provider, actor=provider_owner, contract_number="1",
                             contract_amount="1", contract_file=pdf(), payment_file=pdf())
    fresh = services.issue_voucher_direct(version=published_version(), enterprise=enterprise, face_value="10",
                                          actor=district_staff)
    for amount, code in [("-1", "contract_amount_negative"), ("1.234", "contract_amount_too_many_places")]:
        with pytest.raises(Invalid) as refused:
            use(fresh, provider, provider_owner, amount=amount)
        assert refused.value.code == code
    with pytest.raises(Invalid):
        services.use_voucher(code=fresh.code, provider=provider, actor=provider_owner, contract_number="HT\x00",
                             contract_amount="1", contract_file=pdf(), payment_file=pdf())
    with pytest.raises(Invalid):
        services.use_voucher(code=fresh.code, provider=provider, actor=provider_owner, contract_number="HT",
                             contract_amount="1", contract_file=SimpleUploadedFile("x.pdf", b"<html></html>"),
                             payment_file=pdf())
    Voucher.objects.filter(pk=fresh.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(WrongState) as refused:
        use(fresh, provider, provider_owner)
    assert refused.value.code == "expired"
    fresh.refresh_from_db()
    assert fresh.status == Voucher.Status.ISSUED and not VoucherFile.objects.filter(voucher=fresh).exists()


def test_stale_and_out_of_order_staff_steps(issued, pool_provider, district_staff, other_district_staff):
    with pytest.raises(WrongState):
        services.verify_voucher(voucher=issued, actor=district_staff, expected_version=issued.state_version)
    provider, provider_owner = pool_provider
    used = use(issued, provider, provider_owner)
    with pytest.raises(Conflict):
        services.verify_voucher(voucher=used, actor=district_staff, expected_version=used.state_version - 1)
    with pytest.raises(Forbidden):
        services.verify_voucher(voucher=used, actor=other_district_staff, expected_version=used.state_version)
    used.refresh_from_db()
    assert used.status == Voucher.Status.USED


def test_expiry_releases_the_reservation(issued, version):
    assert services.expire_vouchers(issued.expires_on + dt.timedelta(days=1)) == 1
    issued.refresh_from_db()
    assert issued.status == Voucher.Status.EXPIRED
    assert BudgetLine.objects.get(version=version).reserved == 0
    assert services.expire_vouchers(issued.expires_on + dt.timedelta(days=1)) == 0


def test_visibility_personas(issued, pool_provider, owner, outsider, district_staff, other_district_staff,
                             city_staff):
    provider, provider_owner = pool_provider
    another_provider_user = MembershipFactory(provider=ProviderFactory(), enterprise=None, role="owner").user
    assert list(Voucher.objects.visible_to(provider_owner)) == []  # before use, the code is the only key
    use(issued, provider, provider_owner)
    seen = {u: Voucher.objects.visible_to(u).filter(pk=issued.pk).exists()
            for u in (owner, provider_owner, another_provider_user, outsider, district_staff, other_district_staff,
                      city_staff, StaffFactory(staff_role="expert", region=None))}
    assert [seen[u] for u in seen] == [True, True, False, False, True, False, True, False]
    assert Voucher.objects.writable_by(district_staff).exists()
    assert not Voucher.objects.writable_by(owner).exists() and not Voucher.objects.writable_by(provider_owner).exists()
