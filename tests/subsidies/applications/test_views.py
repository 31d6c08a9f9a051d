"""The pages: who sees what (404 outside scope, 403 without the role), the forms posting through
the services, stale versions answering 409, the anonymous notice and the audited exports."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.models import AuditEvent
from subsidies.models import Application, BudgetLine, DisbursementBatch, Objection
from tests.factories.subsidies import application_in
from tests.subsidies.conftest import pdf

pytestmark = pytest.mark.django_db


def test_enterprise_files_and_submits_through_the_pages(client, login, version, enterprise, owner):
    login(owner)
    page = client.get("/subsidies/applications/")
    assert page.status_code == 200 and version.programme.name in page.content.decode()
    response = client.post(f"/subsidies/applications/apply/{version.pk}/", {
        "enterprise": enterprise.pk, "project_title": "云 ERP", "declared_investment": "120000.555"})
    assert response.status_code == 422 and not Application.objects.exists()
    response = client.post(f"/subsidies/applications/apply/{version.pk}/", {
        "enterprise": enterprise.pk, "project_title": "云 ERP", "declared_investment": "120000"})
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/a/{app.pk}/")
    client.post(f"/subsidies/applications/a/{app.pk}/attach/", {"kind": "invoice", "file": pdf()})
    assert app.files.count() == 1
    stale = client.post(f"/subsidies/applications/a/{app.pk}/submit/", {
        "state_version": app.state_version + 5, "truthful": "on", "no_double_funding": "on",
        "not_filed_by_provider": "on"})
    assert stale.status_code == 409
    client.post(f"/subsidies/applications/a/{app.pk}/submit/", {
        "state_version": app.state_version, "truthful": "on", "no_double_funding": "on", "not_filed_by_provider": "on"})
    app.refresh_from_db()
    assert app.status == "submitted"
    detail = client.get(f"/subsidies/applications/a/{app.pk}/").content.decode()
    assert app.reference in detail and "check_pass" not in detail
    download = client.get(f"/subsidies/applications/files/{app.files.get().pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    download.close()


def test_scope_of_pages(client, login, version, enterprise, owner, teammate, outsider, other_district_staff,
                        district_staff, expert):
    app = application_in(version, "submitted", enterprise=enterprise, filed_by=owner)
    url = f"/subsidies/applications/a/{app.pk}/"
    for user, code in ((outsider, 404), (other_district_staff, 404), (expert, 404), (teammate, 200),
                       (district_staff, 200)):
        login(user)
        assert client.get(url).status_code == code, user
        if user is other_district_staff:
            assert client.post(f"/subsidies/review/{app.pk}/check/",
                               {"outcome": "pass", "state_version": app.state_version}).status_code == 404
    login(teammate)
    assert client.post(f"{url}withdraw/", {"state_version": app.state_version}).status_code == 403
    login(outsider)
    assert client.get("/subsidies/review/").status_code == 403
    assert client.get("/subsidies/disbursement/").status_code == 403
    assert client.get("/subsidies/notice/export/").status_code == 403
    assert Application.objects.get(pk=app.pk).status == "submitted"
    assert client.get("/subsidies/applications/a/abc/").status_code == 404


def test_staff_stage_forms(client, login, version, enterprise, owner, district_staff, city_staff, expert):
    app = application_in(version, "submitted", enterprise=enterprise, filed_by=owner)
    login(district_staff)
    queue = client.get("/subsidies/review/?stage=form_check&q=\x00MES").content.decode()
    assert app.reference not in queue  # NUL search finds nothing and does not crash
    assert app.reference in client.get("/subsidies/review/?stage=form_check").content.decode()
    client.post(f"/subsidies/review/{app.pk}/check/", {"outcome": "pass", "state_version": 0})
    app.refresh_from_db()
    assert app.status == "form_checked"
    page = client.get(f"/subsidies/applications/a/{app.pk}/").content.decode()
    assert f"/subsidies/review/{app.pk}/experts/" in page and expert.first_name in page
    client.post(f"/subsidies/review/{app.pk}/experts/", {"expert": expert.pk, "state_version": app.state_version})
    sheet = app.expert_reviews.get()
    login(expert)
    assert client.get("/subsidies/review/tasks/").status_code == 200
    response = client.post(f"/subsidies/review/tasks/{sheet.pk}/", {
        "necessity": "90", "feasibility": "80", "investment": "70", "benefit": "60"})
    assert response.status_code == 422  # no declaration
    client.post(f"/subsidies/review/tasks/{sheet.pk}/", {
        "necessity": "90", "feasibility": "80", "investment": "70", "benefit": "60", "no_conflict": "on"})
    sheet.refresh_from_db()
    assert sheet.total == Decimal("75.50")
    login(city_staff)  # a TOTP code is not reusable: the city bureau covers the district
    app.refresh_from_db()
    client.post(f"/subsidies/review/{app.pk}/close/", {"state_version": app.state_version})
    app.refresh_from_db()
    response = client.post(f"/subsidies/review/{app.pk}/audit/", {"verified_investment": "-3",
                                                                  "state_version": app.state_version})
    assert response.status_code == 422
    client.post(f"/subsidies/review/{app.pk}/audit/", {"verified_investment": "90000",
                                                       "state_version": app.state_version})
    app.refresh_from_db()
    assert app.status == "audited" and app.verified_investment == Decimal("90000.00")
    assert client.get("/subsidies/review/budget/").status_code == 200


def test_anonymous_objection_and_decision(client, login, version, enterprise, owner, district_staff):
    today = timezone.localdate()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner, notice_starts=today,
                         notice_ends=today + dt.timedelta(days=2))
    page = client.get("/subsidies/notice/")
    assert page.status_code == 200 and app.reference in page.content.decode()
    assert client.post(f"/subsidies/notice/{app.pk}/object/", {"text": "虚报"}).status_code == 422
    client.post(f"/subsidies/notice/{app.pk}/object/", {"text": "虚报", "contact": "13900000000"})
    objection = Objection.objects.get()
    assert objection.filed_by is None
    login(district_staff)
    assert client.post(f"/subsidies/review/{app.pk}/decide/", {"state_version": app.state_version + 1}).status_code \
        in (409, 422)
    client.post(f"/subsidies/notice/objections/{objection.pk}/resolve/", {"outcome": "dismissed", "resolution": "查无实据"})
    objection.refresh_from_db()
    assert objection.status == "dismissed"
    export = client.get("/subsidies/notice/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEvent.objects.filter(action="subsidy_export.notice", detail__rows=1).exists()


def test_disbursement_pages(client, login, version, enterprise, owner, district_staff):
    app = application_in(version, "decided", enterprise=enterprise, filed_by=owner, decided_amount=Decimal("20000"),
                         budget_line=BudgetLine.objects.get(version=version))
    BudgetLine.objects.filter(version=version).update(reserved=Decimal("20000"))
    login(district_staff)
    assert app.reference in client.get("/subsidies/disbursement/").content.decode()
    client.post("/subsidies/disbursement/new/", {"version": version.pk})
    batch = DisbursementBatch.objects.get()
    client.post(f"/subsidies/disbursement/{batch.pk}/pay/")
    client.post(f"/subsidies/disbursement/{batch.pk}/pay/")
    assert BudgetLine.objects.get(version=version).disbursed == Decimal("20000.00")
    assert client.get(f"/subsidies/disbursement/{batch.pk}/export/").status_code == 200
    Application.objects.filter(pk=app.pk).update(decided_at=timezone.now(), decided_by=district_staff)
    export = client.get("/subsidies/disbursement/decisions/export/")
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[2][0] == app.reference and Decimal(str(rows[2][8])) == Decimal("20000")
    assert AuditEvent.objects.filter(action="subsidy_export.batch").exists()


def test_every_state_renders_for_owner_and_staff(client, login, enterprise, owner, district_staff, city_staff,
                                                 expert):
    from subsidies.demo_applications import seed

    seed(owner=owner, enterprise=enterprise, district=district_staff, creator=city_staff, expert=expert)
    apps = list(Application.objects.all())
    login(owner)
    assert "/subsidies/applications/" in client.get("/").content.decode()
    for app in apps:
        page = client.get(f"/subsidies/applications/a/{app.pk}/")
        assert page.status_code == 200 and app.reference in page.content.decode()
    login(district_staff)
    home = client.get("/").content.decode()
    assert "/subsidies/review/" in home
    for app in apps:
        page = client.get(f"/subsidies/applications/a/{app.pk}/").content.decode()
        assert app.get_status_display() in page
    for stage in ("form_check", "expert_review", "audit", "decision", "notice", "disbursement", "evaluation"):
        assert client.get(f"/subsidies/review/?stage={stage}").status_code == 200
    budget = client.get("/subsidies/review/budget/").content.decode()
    assert "budget-figure" in budget and "plotly" in budget
    assert client.get("/subsidies/disbursement/").status_code == 200
    notice = client.get("/subsidies/notice/").content.decode()
    assert "数字孪生产线" in notice and "供应链协同平台" in notice


def test_returned_application_keeps_content_through_the_edit_form(client, login, version, enterprise, owner):
    app = application_in(version, "returned", enterprise=enterprise, filed_by=owner,
                         figures={"contract_number": "HT-9", "price": "5000.00"}, stage_note="请补充发票")
    login(owner)
    page = client.get(f"/subsidies/applications/a/{app.pk}/").content.decode()
    assert 'value="HT-9"' in page and "请补充发票" in page and 'value="100000.00"' in page
    client.post(f"/subsidies/applications/a/{app.pk}/edit/", {
        "state_version": app.state_version, "project_title": "MES 上线（补正）", "declared_investment": "100000.00",
        "contract_number": "HT-9", "price": "5000.00", "invoice_number": "FP-1"})
    app.refresh_from_db()
    assert app.project_title == "MES 上线（补正）" and app.status == "returned"
    assert app.figures == {"contract_number": "HT-9", "price": "5000.00", "invoice_number": "FP-1"}
    assert AuditEvent.objects.filter(action="subsidy_application.edit").exists()


def test_city_staff_filter_the_queue_by_district(client, login, version, enterprise, owner, other_enterprise, outsider,
                                                 city_staff):
    here = application_in(version, "submitted", enterprise=enterprise, filed_by=owner)
    there = application_in(version, "submitted", enterprise=other_enterprise, filed_by=outsider)
    login(city_staff)
    both = client.get("/subsidies/review/?stage=form_check").content.decode()
    assert here.reference in both and there.reference in both and 'name="district"' in both
    one = client.get("/subsidies/review/?stage=form_check&district=440306").content.decode()
    assert there.reference in one and here.reference not in one


def test_api_is_scoped(client, version, enterprise, owner, outsider, other_district_staff):
    from rest_framework.authtoken.models import Token

    app = application_in(version, "submitted", enterprise=enterprise, filed_by=owner)

    def get(user, path):
        token = Token.objects.get_or_create(user=user)[0]
        return client.get(path, HTTP_AUTHORIZATION=f"Token {token.key}")

    listed = get(owner, "/api/v1/subsidies/applications/").json()
    assert [row["reference"] for row in listed["results"]] == [app.reference]
    assert set(listed["results"][0]) >= {"status", "state_version", "decided_amount"}
    assert "declarations" not in listed["results"][0]
    assert get(outsider, "/api/v1/subsidies/applications/").json()["count"] == 0
    assert get(outsider, f"/api/v1/subsidies/applications/{app.pk}/").status_code == 404
    assert client.get("/api/v1/subsidies/applications/").status_code == 401


def test_amounts_on_the_pages_show_thousands_separators(client, login, version, enterprise, owner, district_staff,
                                                        city_staff):
    from django.urls import reverse

    today = timezone.localdate()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner, investment="6172835",
                         estimated_amount=Decimal("1234567"), notice_starts=today,
                         notice_ends=today + dt.timedelta(days=2))
    application_in(version, "decided", enterprise=enterprise, filed_by=owner,
                   decided_amount=Decimal("2345678.50"), budget_line=BudgetLine.objects.get(version=version))
    notice = client.get(reverse("subsidies:notice")).content.decode()
    assert "1,234,567.00" in notice and "1234567" not in notice
    login(owner)
    detail = client.get(reverse("subsidies:application", args=[app.pk])).content.decode()
    assert "6,172,835.00" in detail and "1,234,567.00" in detail and "1234567" not in detail
    assert "2,345,678.50" in client.get(reverse("subsidies:mine")).content.decode()
    login(district_staff)
    assert "2,345,678.50" in client.get(reverse("subsidies:batches")).content.decode()
    assert "1,000,000.00" in client.get(reverse("subsidies:budget")).content.decode()
    login(city_staff)
    programme = client.get(reverse("subsidies:programme-detail", args=[version.programme_id])).content.decode()
    assert "1,000,000.00" in programme  # the budget line's allocation


def test_bureau_staff_are_not_offered_an_objection_and_are_refused(client, login, version, enterprise, owner,
                                                                   district_staff, city_staff):
    today = timezone.localdate()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner, notice_starts=today,
                         notice_ends=today + dt.timedelta(days=2))
    action = f"/subsidies/notice/{app.pk}/object/"
    assert action in client.get("/subsidies/notice/").content.decode()  # anonymous visitors may object
    login(owner)
    assert action in client.get("/subsidies/notice/").content.decode()  # so may enterprises
    for staff in (district_staff, city_staff):
        login(staff)
        page = client.get("/subsidies/notice/")
        assert page.status_code == 200 and app.reference in page.content.decode()
        assert action not in page.content.decode()
        refused = client.post(action, {"text": "虚报", "contact": "13900000000"})
        assert refused.status_code == 403
        assert "主管部门工作人员不能对公示提出异议" in refused.content.decode()
    assert not Objection.objects.exists()
    assert Application.objects.get(pk=app.pk).state_version == app.state_version
    assert AuditEvent.objects.filter(action="subsidy_application.action_refused",
                                     detail__reason="staff_objection").count() == 2
