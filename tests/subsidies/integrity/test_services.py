"""Payee accounts stored encrypted, invoices, integrity flags refreshed before a decision and their
override by city staff only (audited), with bad input refused and nothing changed."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from portal import crypto
from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.models import AuditEvent
from subsidies.integrity import services
from subsidies.integrity.models import ApplicationInvoice, IntegrityFlag, PayeeAccount
from subsidies.models import Application
from tests.factories.portal import MembershipFactory, ProviderFactory, StaffFactory, region
from tests.factories.subsidies_integrity import application, published_version

pytestmark = pytest.mark.django_db

ID_OK = "11010519491231002X"
ID_OTHER = "440301199001011234"


def payee(values=None, **changes):
    base = {"legal_representative": "张三", "legal_representative_id": ID_OK, "address": "深圳市南山区科技园1号",
            "bank_name": "中国银行深圳分行", "account_name": "测试公司", "account_number": "6222 0212 3456 7890 123"}
    base.update(values or {})
    base.update(changes)
    return base


def test_payee_account_is_encrypted_at_rest_and_masked_in_the_audit(enterprise, owner):
    account = services.save_payee_account(organisation=enterprise, actor=owner, values=payee())
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_representative_id, account_number FROM subsidies_payeeaccount WHERE id = %s",
                       [account.pk])
        raw_id, raw_account = cursor.fetchone()
    assert raw_id.startswith(crypto.TOKEN_PREFIX) and ID_OK not in raw_id
    assert raw_account.startswith(crypto.TOKEN_PREFIX) and "62220212" not in raw_account
    fresh = PayeeAccount.objects.get(pk=account.pk)
    assert fresh.legal_representative_id == ID_OK
    assert fresh.account_number == "6222021234567890123"
    assert fresh.account_number_index == crypto.blind_index("6222021234567890123")
    event = AuditEvent.objects.filter(action="payee.save").latest("pk")
    assert event.detail["after"]["account_number"] == "6222***********0123"
    assert ID_OK not in str(event.detail) and "6222021234567890123" not in str(event.detail)


def test_encrypted_field_cannot_be_filtered_by_value(enterprise, owner):
    services.save_payee_account(organisation=enterprise, actor=owner, values=payee())
    with pytest.raises(TypeError):
        PayeeAccount.objects.filter(account_number="6222021234567890123").count()


def test_rotation_re_encrypts_every_value(enterprise, owner):
    old_key, new_key = crypto.generate_key(), crypto.generate_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        account = services.save_payee_account(organisation=enterprise, actor=owner, values=payee())
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        assert crypto.rotate_all() >= 2
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert PayeeAccount.objects.get(pk=account.pk).account_number == "6222021234567890123"


@pytest.mark.parametrize(("change", "code"), [
    ({"legal_representative_id": "110105194912310021"}, "id_number"),
    ({"legal_representative_id": "12345"}, "id_number"),
    ({"account_number": "12ab"}, "account_number"),
    ({"legal_representative": "张\x00三"}, "legal_representative_nul"),
    ({"address": ""}, "address_required"),
])
def test_bad_payee_input_is_refused_and_nothing_stored(enterprise, owner, change, code):
    with pytest.raises(Invalid) as refused:
        services.save_payee_account(organisation=enterprise, actor=owner, values=payee(change))
    assert refused.value.code == code
    assert not PayeeAccount.objects.exists()


def test_only_writers_of_the_organisation_save_a_payee(enterprise, teammate, outsider, district_staff):
    for actor in (teammate, outsider, district_staff):
        with pytest.raises(Forbidden):
            services.save_payee_account(organisation=enterprise, actor=actor, values=payee())
    assert not PayeeAccount.objects.exists()


# ─── invoices ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("amount", "code"), [("12.345", "amount_too_many_places"), ("-5", "amount_negative"),
                                              ("abc", "amount_invalid"), ("0", "amount_zero"),
                                              ("99999999999", "amount_too_large")])
def test_invoice_amount_checks(enterprise, owner, amount, code):
    app = application(enterprise)
    with pytest.raises(Invalid) as refused:
        services.add_invoice(application=app, actor=owner, number="04403190011", amount=amount, issuer="乙科技")
    assert refused.value.code == code
    assert not ApplicationInvoice.objects.exists()


def test_invoice_refused_once_submitted_and_for_outsiders(enterprise, owner, outsider):
    submitted = application(enterprise, status=Application.Status.SUBMITTED)
    with pytest.raises(WrongState):
        services.add_invoice(application=submitted, actor=owner, number="1", amount="10", issuer="乙")
    with pytest.raises(Forbidden):
        services.add_invoice(application=application(enterprise), actor=outsider, number="1", amount="10",
                             issuer="乙")
    assert not ApplicationInvoice.objects.exists()


# ─── flags ───────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def related_case(enterprise, owner):
    """An application whose provider shares the enterprise's bank account."""
    provider = ProviderFactory(region=region("440309"))
    provider_owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    services.save_payee_account(organisation=enterprise, actor=owner, values=payee())
    services.save_payee_account(organisation=provider, actor=provider_owner,
                                values=payee(legal_representative_id=ID_OTHER, address="东莞市松山湖2号"))
    app = application(enterprise, provider=provider, filed_by=owner, status=Application.Status.IN_NOTICE)
    return app, provider, provider_owner


def test_related_party_blocks_the_decision_until_city_staff_override(related_case, city_staff, district_staff):
    app, provider, _ = related_case
    blocking = services.flags_blocking_decision(app)
    assert [(f.kind, f.facts["basis"]) for f in blocking] == [("related_party", "bank_account")]
    flag = blocking[0]
    assert "银行账户" in services.flag_reason(flag) or "bank account" in services.flag_reason(flag)

    with pytest.raises(Forbidden):
        services.override_flag(flag=flag, actor=district_staff, justification="同一集团内部采购，已核实价格公允",
                               expected_version=flag.state_version)
    with pytest.raises(Invalid):
        services.override_flag(flag=flag, actor=city_staff, justification="ok", expected_version=flag.state_version)
    with pytest.raises(Conflict):
        services.override_flag(flag=flag, actor=city_staff, justification="同一集团内部采购，已核实价格公允",
                               expected_version=flag.state_version + 1)
    flag.refresh_from_db()
    assert flag.status == IntegrityFlag.Status.OPEN
    assert services.flags_blocking_decision(app) != []

    services.override_flag(flag=flag, actor=city_staff, justification="同一集团内部采购，已核实价格公允",
                           expected_version=flag.state_version)
    flag.refresh_from_db()
    assert flag.status == IntegrityFlag.Status.OVERRIDDEN and flag.overridden_by == city_staff
    assert services.flags_blocking_decision(app) == []  # and a refresh keeps the override
    event = AuditEvent.objects.filter(action="integrity.override").get()
    assert event.actor == city_staff and event.detail["after"]["status"] == "overridden"
    assert AuditEvent.objects.filter(action="integrity.action_refused").count() == 3
    with pytest.raises(WrongState):
        services.override_flag(flag=flag, actor=city_staff, justification="再次覆盖的理由说明文字",
                               expected_version=flag.state_version)


def test_city_staff_of_another_city_cannot_override(related_case, other_city_staff):
    flag = services.flags_blocking_decision(related_case[0])[0]
    with pytest.raises(Forbidden):
        services.override_flag(flag=flag, actor=other_city_staff, justification="另一城市的工作人员说明",
                               expected_version=flag.state_version)


def test_a_finding_that_goes_away_clears_its_flag(related_case, owner, enterprise):
    app = related_case[0]
    assert len(services.flags_blocking_decision(app)) == 1
    services.save_payee_account(organisation=enterprise, actor=owner, values=payee(account_number="6222999988887777"))
    assert services.flags_blocking_decision(app) == []
    assert IntegrityFlag.objects.get().status == IntegrityFlag.Status.CLEARED


def test_duplicate_invoice_across_programmes_and_released_by_withdrawal(enterprise, owner):
    first = application(enterprise, filed_by=owner)
    second = application(enterprise, filed_by=owner, version=published_version())
    for app in (first, second):
        services.add_invoice(application=app, actor=owner, number="0440-3190 0111", amount="1200.00", issuer="乙")
    Application.objects.filter(pk__in=[first.pk, second.pk]).update(status=Application.Status.AUDITED)
    blocking = services.flags_blocking_decision(second)
    assert [(f.kind, f.facts["reference"]) for f in blocking] == [("duplicate_invoice", first.reference)]
    Application.objects.filter(pk=first.pk).update(status=Application.Status.WITHDRAWN)
    assert services.flags_blocking_decision(second) == []


def test_filed_by_provider_and_expert_conflict(enterprise):
    provider = ProviderFactory()
    provider_owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    expert = StaffFactory(staff_role="expert", region=None)
    MembershipFactory(user=expert, enterprise=enterprise, role="viewer")
    app = application(enterprise, provider=provider, filed_by=provider_owner, status=Application.Status.AUDITED)
    app.expert_reviews.create(expert=expert, assigned_by=StaffFactory())
    kinds = sorted(f.kind for f in services.flags_blocking_decision(app))
    assert kinds == ["expert_conflict", "filed_by_provider"]


def test_flags_are_visible_to_region_staff_only(related_case, district_staff, other_district_staff, owner,
                                                 city_staff):
    services.refresh_flags(related_case[0])
    assert IntegrityFlag.objects.visible_to(district_staff).count() == 1
    assert IntegrityFlag.objects.visible_to(city_staff).count() == 1
    assert IntegrityFlag.objects.visible_to(other_district_staff).count() == 0
    assert IntegrityFlag.objects.visible_to(owner).count() == 0
    assert IntegrityFlag.objects.writable_by(district_staff).count() == 0
    assert IntegrityFlag.objects.writable_by(city_staff).count() == 1


def test_money_helper_rejects_float_noise():
    from subsidies import inputs

    assert inputs.money(Decimal("10.50"), code="x") == Decimal("10.50")
    with pytest.raises(Invalid):
        inputs.money(0.1 + 0.2, code="x")


def test_rotate_field_keys_command_is_audited(enterprise, owner):
    from io import StringIO

    from django.core.management import call_command

    old_key, new_key = crypto.generate_key(), crypto.generate_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        services.save_payee_account(organisation=enterprise, actor=owner, values=payee())
    out = StringIO()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("rotate_field_keys", stdout=out)
    assert "re-encrypted 2 values" in out.getvalue()
    assert AuditEvent.objects.filter(action="crypto.rotate", detail__values=2).exists()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert PayeeAccount.objects.get().legal_representative_id == ID_OK
