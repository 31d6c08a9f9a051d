"""Pages of vouchers, projects and integrity: personas (404 outside scope, 403 without the role),
masked numbers, refusals shown with a status instead of a 500, the audited Excel export."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import AuditEvent
from subsidies.integrity import services as integrity
from subsidies.integrity.models import IntegrityFlag
from subsidies.models import Application
from subsidies.projects import services as projects
from subsidies.vouchers import services as vouchers
from subsidies.vouchers.models import Voucher
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import MembershipFactory, ProviderFactory, region
from tests.factories.providers import member_of, open_pool
from tests.factories.subsidies_integrity import application, published_version
from tests.portal.test_files import minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(db):
    """A signed-in client per user, kept for the test: a staff member's TOTP code cannot be used twice,
    so each persona signs in (with both factors) once."""
    from django.test import Client

    from tests.conftest import current_code
    from tests.factories.portal import PASSWORD, confirmed_totp

    clients = {}

    def _login(user):
        if user.pk not in clients:
            client = Client()
            assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
            if user.staff_role:
                device = confirmed_totp(user)
                assert client.post("/accounts/otp/", {"otp_token": current_code(device)}).status_code == 302
            clients[user.pk] = client
        return clients[user.pk]

    return _login


@pytest.fixture
def voucher(enterprise, district_staff):
    return vouchers.issue_voucher_direct(version=published_version(), enterprise=enterprise, face_value="20000.00",
                                         actor=district_staff)


@pytest.fixture
def pool_provider(db):
    provider = ProviderFactory()
    owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    member_of(open_pool(region_code="440309"), provider=provider)
    return provider, owner


def test_voucher_pages_by_persona(login, voucher, owner, outsider, district_staff, other_district_staff,
                                  provider_user):
    url = f"/subsidies/vouchers/{voucher.pk}/"
    assert login(owner).get(url).status_code == 200
    assert voucher.code in login(owner).get("/subsidies/vouchers/").content.decode()
    for user in (outsider, other_district_staff, provider_user):
        assert login(user).get(url).status_code == 404
    assert login(district_staff).get(url).status_code == 200
    assert login(owner).post(f"{url}verify/", {"state_version": 0}).status_code == 403
    assert login(other_district_staff).post(f"{url}verify/", {"state_version": 0}).status_code == 404
    assert login(owner).get("/subsidies/vouchers/issue/").status_code == 403
    assert login(owner).get("/subsidies/vouchers/use/").status_code == 403


def test_provider_uses_then_staff_verify_with_stale_version(login, voucher, pool_provider, district_staff,
                                                           city_staff):
    provider, provider_owner = pool_provider
    client = login(provider_owner)
    bad = client.post("/subsidies/vouchers/use/", {
        "code": voucher.code, "contract_number": "HT-1", "contract_amount": "100.001",
        "contract_file": SimpleUploadedFile("a.pdf", minimal_pdf()), "payment_file": SimpleUploadedFile(
            "b.pdf", minimal_pdf())})
    assert bad.status_code == 422
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.ISSUED
    response = client.post("/subsidies/vouchers/use/", {
        "code": voucher.code.lower(), "contract_number": "HT-1", "contract_amount": "50000",
        "contract_file": SimpleUploadedFile("a.pdf", minimal_pdf()), "payment_file": SimpleUploadedFile(
            "b.pdf", minimal_pdf())})
    assert response.status_code == 302
    assert login(provider_owner).get(f"/subsidies/vouchers/{voucher.pk}/").status_code == 200
    staff = login(district_staff)
    assert staff.post(f"/subsidies/vouchers/{voucher.pk}/verify/", {"state_version": 0}).status_code == 409
    assert staff.post(f"/subsidies/vouchers/{voucher.pk}/verify/", {"state_version": 1}).status_code == 302
    assert staff.post(f"/subsidies/vouchers/{voucher.pk}/pay/", {"state_version": 2}).status_code == 403
    assert login(city_staff).post(f"/subsidies/vouchers/{voucher.pk}/pay/", {"state_version": 2}).status_code == 302
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.PAID


def test_staff_issue_page(login, district_staff, enterprise):
    version = published_version()
    client = login(district_staff)
    assert client.get("/subsidies/vouchers/issue/").status_code == 200
    assert client.post("/subsidies/vouchers/issue/", {"version": version.pk, "uscc": enterprise.uscc,
                                                      "face_value": "-5"}).status_code == 422
    assert client.post("/subsidies/vouchers/issue/", {"version": version.pk, "uscc": enterprise.uscc,
                                                      "face_value": "5000.00"}).status_code == 302
    assert Voucher.objects.filter(enterprise=enterprise).count() == 1


def test_payee_page_masks_and_never_prefills(login, enterprise, owner, outsider, district_staff):
    client = login(owner)
    response = client.post(f"/subsidies/integrity/payee/enterprise/{enterprise.pk}/", {
        "legal_representative": "张三", "legal_representative_id": "11010519491231002X", "address": "深圳市南山区1号",
        "bank_name": "中国银行", "account_name": "测试公司", "account_number": "6222021234567890123"})
    assert response.status_code == 302
    page = client.get(f"/subsidies/integrity/payee/enterprise/{enterprise.pk}/").content.decode()
    assert "6222***********0123" in page and "110***********002X" in page
    assert "6222021234567890123" not in page and "11010519491231002X" not in page
    assert login(outsider).get(f"/subsidies/integrity/payee/enterprise/{enterprise.pk}/").status_code == 404
    staff_page = login(district_staff).get(f"/subsidies/integrity/payee/enterprise/{enterprise.pk}/")
    assert staff_page.status_code == 200 and "6222021234567890123" not in staff_page.content.decode()
    assert login(owner).post(f"/subsidies/integrity/payee/enterprise/{enterprise.pk}/", {
        "legal_representative": "张三", "legal_representative_id": "123", "address": "x", "bank_name": "x",
        "account_name": "x", "account_number": "6222021234567890123"}).status_code == 422
    assert login(owner).get("/subsidies/integrity/payee/nope/1/").status_code == 404


def test_flag_pages_and_override_by_city_staff_only(login, enterprise, owner, district_staff, city_staff,
                                                     other_district_staff):
    provider = ProviderFactory(region=region("440309"))
    provider_owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    app = application(enterprise, provider=provider, filed_by=provider_owner, status=Application.Status.IN_NOTICE)
    flag = integrity.flags_blocking_decision(app)[0]
    assert login(owner).get(f"/subsidies/integrity/applications/{app.pk}/").status_code == 403
    assert login(other_district_staff).get(f"/subsidies/integrity/applications/{app.pk}/").status_code == 404
    page = login(district_staff).get(f"/subsidies/integrity/applications/{app.pk}/")
    assert page.status_code == 200 and 'data-blocking="1"' in page.content.decode()
    assert login(district_staff).post(f"/subsidies/integrity/flags/{flag.pk}/override/", {
        "state_version": 0, "justification": "区级人员不能覆盖此标记"}).status_code == 403
    assert login(city_staff).post(f"/subsidies/integrity/flags/{flag.pk}/override/", {
        "state_version": 0, "justification": "短"}).status_code == 422
    assert login(city_staff).post(f"/subsidies/integrity/flags/{flag.pk}/override/", {
        "state_version": 0, "justification": "服务商代为填报已由企业书面确认"}).status_code == 302
    assert IntegrityFlag.objects.get(pk=flag.pk).status == IntegrityFlag.Status.OVERRIDDEN
    assert login(city_staff).get("/subsidies/integrity/flags/").status_code == 200
    assert login(city_staff).post(f"/subsidies/integrity/applications/{app.pk}/refresh/").status_code == 302


def test_invoice_page_refuses_bad_amounts(login, enterprise, owner):
    app = application(enterprise, filed_by=owner)
    client = login(owner)
    for amount in ("1.234", "-3", "abc"):
        assert client.post(f"/subsidies/integrity/applications/{app.pk}/invoices/", {
            "number": "0441", "amount": amount, "issuer": "乙"}).status_code == 422
    assert not app.invoices.exists()
    assert client.post(f"/subsidies/integrity/applications/{app.pk}/invoices/", {
        "number": "0441", "amount": "12.50", "issuer": "乙"}).status_code == 302


def test_project_pages_and_points_per_yuan_export(login, enterprise, owner, district_staff, other_district_staff,
                                                  outsider):
    scored_assessment(enterprise, user=owner, best=False, when=timezone.now() - dt.timedelta(days=100))
    client = login(owner)
    assert client.get("/subsidies/projects/file/?spec=sme-2024").status_code == 200
    response = client.post("/subsidies/projects/file/?spec=sme-2024", {
        "title": "MES", "solution": "轻量化MES", "scope": "产线", "planned_investment": "-1",
        "spec_code": "sme-2024", "target_dimensions": ["management"]})
    assert response.status_code == 422
    response = client.post("/subsidies/projects/file/?spec=sme-2024", {
        "title": "MES", "solution": "轻量化MES", "scope": "产线", "planned_investment": "200000",
        "spec_code": "sme-2024", "target_dimensions": ["management"]})
    assert response.status_code == 302
    project = enterprise.projects.get()
    assert login(outsider).get(f"/subsidies/projects/{project.pk}/").status_code == 404
    assert login(other_district_staff).get(f"/subsidies/projects/{project.pk}/").status_code == 404
    assert login(owner).get(f"/subsidies/projects/{project.pk}/").status_code == 200
    app = application(enterprise, filed_by=owner, status=Application.Status.DISBURSED)
    Application.objects.filter(pk=app.pk).update(decided_amount=Decimal("20000"), budget_line=app.version.budget_lines.get())
    project.application = app
    project.save()
    later = scored_assessment(enterprise, user=owner, best=True, when=timezone.now() + dt.timedelta(minutes=1))
    project = projects.request_acceptance(project=project, actor=owner, follow_up_id=later.pk, expected_version=0,
                                          files=[SimpleUploadedFile("r.pdf", minimal_pdf())])
    staff = login(district_staff)
    assert staff.post(f"/subsidies/projects/{project.pk}/decide/", {"state_version": 1, "outcome": "accept",
                                                                    "note": ""}).status_code == 302
    page = staff.get("/subsidies/projects/points-per-yuan/")
    assert page.status_code == 200 and "n = 1" in page.content.decode()
    assert login(owner).get("/subsidies/projects/points-per-yuan/").status_code == 403
    export = login(district_staff).get("/subsidies/projects/points-per-yuan/provider.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEvent.objects.filter(action="projects.points_per_yuan_export").count() == 1
    assert login(district_staff).get("/subsidies/projects/points-per-yuan/colour.xlsx").status_code == 404


def test_unknown_ids_are_404_and_payee_home_link(login, owner, enterprise, district_staff, provider_user):
    assert login(owner).get("/subsidies/vouchers/999999/").status_code == 404
    assert login(district_staff).get("/subsidies/integrity/applications/999999/").status_code == 404
    assert login(district_staff).post("/subsidies/integrity/flags/999999/override/",
                                      {"state_version": 0, "justification": "x" * 20}).status_code == 404
    assert login(owner).get("/subsidies/projects/999999/").status_code == 404
    assert login(owner).get("/subsidies/integrity/payee/").url == f"/subsidies/integrity/payee/enterprise/{enterprise.pk}/"
    assert login(provider_user).get("/subsidies/integrity/payee/").status_code == 302
    assert login(district_staff).get("/subsidies/integrity/payee/").status_code == 403


def test_masked_payee_for_exports(enterprise, owner):
    from subsidies.integrity.selectors import masked_payee

    assert masked_payee(enterprise)["account_number"] == ""
    integrity.save_payee_account(organisation=enterprise, actor=owner, values={
        "legal_representative": "张三", "legal_representative_id": "11010519491231002X", "address": "深圳",
        "bank_name": "中国银行", "account_name": "测试", "account_number": "6222021234567890123"})
    row = masked_payee(enterprise)
    assert row["account_number"] == "6222***********0123" and row["legal_representative_id"] == "110***********002X"
