"""Campaigns (年度诊断工作, #12): creating one, importing its targets from the bureau's 规上 list (row
errors in Chinese, nothing half-imported, idempotent by USCC, scoped), invitations with claim links,
the reminder task, coverage counts and the audited export; other-district staff get 404."""

import datetime as dt
import io

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from diagnosis.campaigns import selectors, services
from diagnosis.campaigns.tasks import campaign_reminders
from diagnosis.models import Assessment, Campaign, CampaignReminder, CampaignTarget
from portal.claims import SALT, claim_token
from portal.models import AuditEvent, Enterprise, Membership, Notification, OrgStatus
from portal.privacy import notices
from tests.factories.portal import EnterpriseFactory, MembershipFactory, make_uscc, region

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "行业大类", "所在区县", "街道/镇", "园区", "营收规模", "联系邮箱"]


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def staff_client(client, login, district_staff):
    login(district_staff)
    return client


@pytest.fixture
def campaign(district_staff):
    return services.campaign_create(actor=district_staff, title="龙华区2026年度诊断", year=2026,
                                    spec_codes=["sme-2024"], deadline=timezone.localdate() + dt.timedelta(days=30),
                                    quota_percent=20)


def _upload(client, campaign, content, name="规上名单.xlsx"):
    return client.post(reverse("campaigns:import", args=[campaign.pk]), {"file": SimpleUploadedFile(name, content)},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")


def _rows():
    return [
        [make_uscc("440309"), "深圳市龙华名单一科技有限公司", "39", "龙华区", "观湖街道", "", "2000万-4亿元", "a@example.cn"],
        [make_uscc("440309"), "深圳市龙华名单二制造有限公司", 34, "440309", "民治街道", "", "", ""],
    ]


def test_staff_create_a_campaign_through_the_form(staff_client, district_staff):
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = staff_client.post(reverse("campaigns:create"), {
        "title": "龙华区诊断", "year": 2026, "spec_codes": ["sme-2024"], "deadline": deadline, "quota_count": 2000})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.region_id == district_staff.region_id
    assert campaign.quota_count == 2000 and campaign.quota_percent is None
    assert AuditEvent.objects.filter(action="campaign.create").exists()


@pytest.mark.parametrize("data", [
    {"quota_count": 10, "deadline": "2000-01-01"},  # deadline in the past
    {"quota_count": 10, "quota_percent": 20},  # two quotas
    {},  # no quota
    {"quota_count": "1\x00"},  # NUL byte
])
def test_a_bad_campaign_form_is_refused(staff_client, data):
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = staff_client.post(reverse("campaigns:create"), {
        "title": "诊断\x00", "year": 2026, "spec_codes": ["sme-2024"], "deadline": deadline, **data})
    assert response.status_code == 422 and not Campaign.objects.exists()


def test_import_creates_unverified_records_and_targets(staff_client, campaign):
    registered = EnterpriseFactory(region=region("440309"))
    MembershipFactory(enterprise=registered)
    rows = _rows() + [[registered.uscc, "另一个名字", "39", "龙华区", "", "", "", ""]]
    response = _upload(staff_client, campaign, _xlsx(rows))
    assert response.status_code == 302, response.content.decode()[response.content.decode().find("<main"):][:3000]
    first = Enterprise.objects.get(uscc=rows[0][0])
    assert first.status == OrgStatus.PENDING and first.above_scale and first.industry_section == "C"
    assert first.revenue_band == Enterprise.RevenueBand.FROM_20M
    target = CampaignTarget.objects.get(enterprise=first)
    assert target.bureau_created and target.town == "观湖街道" and target.contact_email == "a@example.cn"
    registered.refresh_from_db()
    assert registered.name != "另一个名字"  # the firm keeps the record it maintains
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 3
    assert AuditEvent.objects.filter(action="campaign.import").count() == 1


def test_re_import_updates_and_duplicates_nothing(staff_client, campaign):
    rows = _rows()
    assert _upload(staff_client, campaign, _xlsx(rows)).status_code == 302
    rows[0][1] = "深圳市龙华名单一科技（集团）有限公司"
    rows[0][4] = "福城街道"
    assert _upload(staff_client, campaign, _xlsx(rows)).status_code == 302
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 2
    assert Enterprise.objects.filter(uscc__in=[r[0] for r in rows]).count() == 2
    assert Enterprise.objects.get(uscc=rows[0][0]).name == rows[0][1]
    assert CampaignTarget.objects.get(enterprise__uscc=rows[0][0]).town == "福城街道"


def test_bad_rows_are_listed_in_chinese_and_nothing_is_written(staff_client, campaign):
    good = _rows()[0]
    rows = [good, ["91440300MA5XXXXXX1", "坏代码", "39", "龙华区", "", "", "", ""],
            [good[0], "重复", "39", "龙华区", "", "", "", ""],
            [make_uscc("440306"), "外区", "39", "南山区", "", "", "", ""],
            [make_uscc("440309"), "坏邮箱", "99", "龙华区", "", "", "", "not-an-email"]]
    before = Enterprise.objects.count()
    response = _upload(staff_client, campaign, _xlsx(rows))
    assert response.status_code == 422
    text = response.content.decode()
    assert "第 3 行" in text or "第3行" in text
    assert "南山区" in text and "不是本次诊断工作所辖区域的区县" in text
    assert "不是邮箱地址" in text and "不是国民经济行业大类" in text
    assert Enterprise.objects.count() == before and not CampaignTarget.objects.exists()


def test_a_firm_registered_in_another_district_is_refused(staff_client, campaign, other_enterprise):
    rows = [[other_enterprise.uscc, other_enterprise.name, "39", "龙华区", "", "", "", ""]]
    response = _upload(staff_client, campaign, _xlsx(rows))
    assert response.status_code == 422 and not CampaignTarget.objects.exists()


@pytest.mark.parametrize(("content", "name"), [
    (b"not a workbook at all", "名单.xlsx"),
    (b"USCC,name\n1,2\n", "名单.csv"),
    (b"\x00\x00\x00", "名单.xlsx"),
])
def test_a_file_that_is_not_xlsx_is_refused(staff_client, campaign, content, name):
    response = _upload(staff_client, campaign, content, name=name)
    assert response.status_code in (413, 422) and not CampaignTarget.objects.exists()


def test_missing_columns_are_named(staff_client, campaign):
    response = _upload(staff_client, campaign, _xlsx([["x", "y"]], header=["统一社会信用代码", "企业名称"]))
    assert response.status_code == 422
    assert "行业大类" in response.content.decode() and not CampaignTarget.objects.exists()


def test_other_district_staff_get_404_and_outsiders_403(client, login, campaign, other_district_staff, owner):
    login(other_district_staff)
    for name in ("detail", "import", "export"):
        assert client.get(reverse(f"campaigns:{name}", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("campaigns:invite", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("campaigns:detail", args=[999999])).status_code == 404
    assert campaign not in [p.campaign for p in selectors.campaign_list(other_district_staff)]
    client.logout()
    login(owner)
    assert client.get(reverse("campaigns:list")).status_code == 403
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 403


def test_city_staff_see_the_district_campaign(client, login, campaign, city_staff):
    login(city_staff)
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 200


def test_nul_bytes_in_the_query_never_500(staff_client, campaign):
    response = staff_client.get(reverse("campaigns:detail", args=[campaign.pk]), {"by": "town\x00", "page": "\x00"})
    assert response.status_code in (200, 400)
    assert staff_client.get(reverse("campaigns:detail", args=[campaign.pk]), {"by": "nowhere"}).status_code == 200
    assert staff_client.get(reverse("portal:register", args=["enterprise"]), {"claim": "a\x00b"}).status_code == 400


# ─── Invitations and claims ─────────────────────────────────────────────────────────────────────


def test_invite_notifies_members_and_mails_a_claim_link(staff_client, campaign, enterprise, owner,
                                                       django_capture_on_commit_callbacks):
    assert _upload(staff_client, campaign, _xlsx(_rows())).status_code == 302
    CampaignTarget.objects.create(campaign=campaign, enterprise=enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("campaigns:invite", args=[campaign.pk]))
    assert response.status_code == 302
    assert not CampaignTarget.objects.filter(campaign=campaign, invited_at__isnull=True).exists()
    assert Notification.objects.filter(user=owner, kind="campaign.invited").count() == 1
    claim_mails = [m for m in mail.outbox if m.to == ["a@example.cn"]]
    assert len(claim_mails) == 1 and "?claim=" in claim_mails[0].body
    assert AuditEvent.objects.filter(action="campaign.invite").count() == 1
    # Inviting again has nothing to do.
    staff_client.post(reverse("campaigns:invite", args=[campaign.pk]))
    assert Notification.objects.filter(user=owner, kind="campaign.invited").count() == 1


ACCOUNT = {"account-username": "claimer", "account-full_name": "王五", "account-email": "w@example.cn",
           "account-phone": "13800001111", "account-password1": "Xq7!long-enough-pass",
           "account-password2": "Xq7!long-enough-pass", "account-notice": "on",
           "account-notice_version": notices.current("registration").version}


def _claim_post(client, token, record, **extra):
    data = {**ACCOUNT, "org-name": record.name, "org-region": record.region_id, "org-industry_section": "C",
            "org-industry_division": "39", "org-production_type": "discrete", "org-employees": 80,
            "org-revenue_band": record.revenue_band, **extra}
    return client.post(reverse("portal:register", args=["enterprise"]) + f"?claim={token}", data)


@pytest.fixture
def bureau_record(staff_client, campaign):
    assert _upload(staff_client, campaign, _xlsx(_rows())).status_code == 302
    staff_client.logout()
    return CampaignTarget.objects.get(bureau_created=True, contact_email="a@example.cn").enterprise


def test_a_valid_claim_makes_the_new_account_owner_of_the_record(client, bureau_record):
    token = claim_token(bureau_record)
    page = client.get(reverse("portal:register", args=["enterprise"]), {"claim": token})
    assert page.status_code == 200 and bureau_record.name in page.content.decode()
    count, uscc = Enterprise.objects.count(), bureau_record.uscc
    response = _claim_post(client, token, bureau_record, **{"org-uscc": make_uscc("440309")})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Enterprise.objects.count() == count
    bureau_record.refresh_from_db()
    assert bureau_record.uscc == uscc and bureau_record.employees == 80  # corrected, never re-keyed
    membership = Membership.objects.get(enterprise=bureau_record)
    assert membership.user.username == "claimer" and membership.role == "owner"
    assert AuditEvent.objects.filter(action="enterprise.claim").exists()
    # Single use: the same link now says the record is claimed.
    again = client.get(reverse("portal:register", args=["enterprise"]), {"claim": token})
    assert again.status_code == 410
    assert _claim_post(client, token, bureau_record, **{"account-username": "second"}).status_code == 410
    assert Membership.objects.filter(enterprise=bureau_record).count() == 1


def test_an_expired_claim_link_gets_a_clear_page(client, bureau_record, settings):
    token = claim_token(bureau_record)
    later = timezone.now() + dt.timedelta(days=61)
    import time
    real = time.time
    try:
        time.time = lambda: later.timestamp()
        response = client.get(reverse("portal:register", args=["enterprise"]), {"claim": token})
    finally:
        time.time = real
    assert response.status_code == 410 and "data-claim-invalid" in response.content.decode()
    assert not Membership.objects.filter(enterprise=bureau_record).exists()


def test_a_claim_link_for_another_enterprise_or_forged_is_refused(client, bureau_record, enterprise):
    forged = signing.dumps({"e": enterprise.pk, "u": bureau_record.uscc}, salt=SALT)
    tampered = claim_token(bureau_record)[:-3] + "abc"
    for token in (forged, tampered, "garbage"):
        response = client.get(reverse("portal:register", args=["enterprise"]), {"claim": token})
        assert response.status_code == 422 and "data-claim-invalid" in response.content.decode()
    assert _claim_post(client, forged, bureau_record).status_code == 422
    assert not Membership.objects.filter(enterprise__in=[bureau_record, enterprise], user__username="claimer").exists()


# ─── Reminders and coverage ─────────────────────────────────────────────────────────────────────


def test_reminder_task_run_twice_reminds_once(staff_client, campaign, enterprise, owner,
                                              django_capture_on_commit_callbacks):
    assert _upload(staff_client, campaign, _xlsx(_rows())).status_code == 302
    CampaignTarget.objects.create(campaign=campaign, enterprise=enterprise)
    services.campaign_invite(campaign=campaign, actor=campaign.created_by)
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() + dt.timedelta(days=3))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = campaign_reminders.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = campaign_reminders.delay().get()
    assert first == 3 and second == 0
    assert CampaignReminder.objects.count() == 3
    assert Notification.objects.filter(user=owner, kind="campaign.reminder").count() == 1
    assert len([m for m in mail.outbox if m.to == ["a@example.cn"]]) == 1
    # Not a reminder day: nothing.
    assert services.send_reminders(today=timezone.localdate() + dt.timedelta(days=1)) == 0


def test_coverage_counts_every_stage_and_the_quota(campaign, district_staff):
    def target(state, town, park=None):
        firm = EnterpriseFactory(region=region("440309"), park=park)
        row = CampaignTarget.objects.create(campaign=campaign, enterprise=firm, town=town,
                                            invited_at=timezone.now() if state != "new" else None)
        if state in ("registered", "started", "submitted", "approved"):
            MembershipFactory(enterprise=firm)
        if state in ("started", "submitted", "approved"):
            status = {"started": "draft", "submitted": "submitted", "approved": "approved"}[state]
            Assessment.objects.create(enterprise=firm, spec_code="sme-2024", spec_version="1.0", year=2026,
                                      status=status, created_by=district_staff)
        return row

    park = region("440309P01")
    for state in ("new", "invited", "registered", "started", "submitted", "approved"):
        target(state, "观湖街道")
    target("approved", "民治街道", park)
    other = EnterpriseFactory(region=region("440309"))  # an assessment of another year does not count
    CampaignTarget.objects.create(campaign=campaign, enterprise=other, town="民治街道")
    Assessment.objects.create(enterprise=other, spec_code="sme-2024", spec_version="1.0", year=2025,
                              status="approved", created_by=district_staff)
    total = selectors.coverage(campaign).total
    assert (total.targets, total.invited, total.registered, total.started, total.submitted, total.approved) == (
        8, 6, 5, 4, 3, 2)
    assert total.quota == 2 and total.quota_share == 150.0  # 20 % of 8, rounded up
    towns = {r.label: r for r in selectors.coverage(campaign, by="town").rows}
    assert towns["观湖街道"].targets == 6 and towns["民治街道"].approved == 1
    parks = {r.label: r for r in selectors.coverage(campaign, by="park").rows}
    assert parks[park.name].submitted == 1 and parks["—"].targets == 7
    Campaign.objects.filter(pk=campaign.pk).update(quota_percent=None, quota_count=4)
    campaign.refresh_from_db()
    assert selectors.coverage(campaign).total.quota == 4
    assert sum(r.quota for r in selectors.coverage(campaign, by="town").rows) >= 4


def test_coverage_export_is_audited(staff_client, campaign):
    assert _upload(staff_client, campaign, _xlsx(_rows())).status_code == 302
    response = staff_client.get(reverse("campaigns:export", args=[campaign.pk]), {"by": "town"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    event = AuditEvent.objects.get(action="data.export")
    assert event.object_type == "diagnosis.campaign.coverage"


def test_list_detail_and_home_panel(staff_client, campaign):
    assert staff_client.get(reverse("campaigns:create")).status_code == 200
    page = staff_client.get(reverse("campaigns:import", args=[campaign.pk])).content.decode()
    assert "统一社会信用代码" in page and "导入目标企业" in page
    assert _upload(staff_client, campaign, _xlsx(_rows())).status_code == 302
    assert campaign.title in staff_client.get(reverse("campaigns:list")).content.decode()
    assert staff_client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 200
    home = staff_client.get(reverse("portal:home")).content.decode()
    assert reverse("campaigns:detail", args=[campaign.pk]) in home


def test_the_reminder_task_is_on_the_beat_schedule(settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["campaign-reminders"]
    assert entry["task"] == "diagnosis.tasks.campaign_reminders" == campaign_reminders.name
    assert entry["task"] in app.tasks
