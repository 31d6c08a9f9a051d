"""Every step of the pool lifecycle through the services, with the personas: the provider's owner,
a viewer teammate, an outsider, staff of the pool's district, of another district and of the city,
and experts (one with a declared conflict)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.models import AuditEvent
from providers.models import (
    Appeal,
    CaseConfirmation,
    Complaint,
    ExpertScore,
    Objection,
    Pool,
    PoolApplication,
    PoolMember,
    Rating,
)
from providers.pools import services
from tests.factories.portal import EnterpriseFactory, MembershipFactory, ProviderFactory, StaffFactory, region
from tests.factories.providers import applicant, application_in, member_of, open_pool

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
GOOD = {"basic": "80", "capability": "85", "delivery": "75", "discount": "70"}


@pytest.fixture
def pool(district_staff):
    return open_pool(created_by=district_staff)


@pytest.fixture
def provider_owner():
    return applicant()


def audited(action):
    event = AuditEvent.objects.filter(action=action).order_by("-pk").first()
    assert event is not None, action
    assert "before" in event.detail and "after" in event.detail
    return event


# ─── pools ───────────────────────────────────────────────────────────────────────────────────

def pool_values(**over):
    today = TODAY()
    return {"name": "龙华区服务商资源池", "criteria": "注册满两年", "year": today.year, "call_opens": today,
            "call_closes": today + dt.timedelta(days=30), "objection_days": 7, "validity_months": 36,
            "min_confirmed_clients": 3, "pass_score": D(60), **over}


def test_district_staff_create_a_district_pool(district_staff):
    pool = services.pool_create(actor=district_staff, region=region("440309"), values=pool_values())
    assert pool.tier == Pool.Tier.DISTRICT and pool.status == Pool.Status.DRAFT
    audited("pool.create")


def test_city_staff_create_city_and_district_pools(city_staff):
    assert services.pool_create(actor=city_staff, region=region("440300"), values=pool_values()).tier == "city"
    assert services.pool_create(actor=city_staff, region=region("440306"), values=pool_values()).tier == "district"


@pytest.mark.parametrize(("code", "error"), [("440300", Forbidden), ("440306", Forbidden), ("440000", Forbidden)])
def test_district_staff_cannot_create_outside_their_district(district_staff, code, error):
    with pytest.raises(error):
        services.pool_create(actor=district_staff, region=region(code), values=pool_values())


def test_nobody_creates_province_pools(city_staff):
    with pytest.raises(Forbidden):  # the province lies above every staff jurisdiction
        services.pool_create(actor=city_staff, region=region("440000"), values=pool_values())


def test_pool_values_are_checked(district_staff):
    with pytest.raises(Invalid):
        services.pool_create(actor=district_staff, region=region("440309"),
                             values=pool_values(call_closes=TODAY() - dt.timedelta(days=1)))
    with pytest.raises(Invalid):
        services.pool_create(actor=district_staff, region=region("440309"), values=pool_values(name=" "))


def test_open_update_close(district_staff, other_district_staff):
    pool = services.pool_create(actor=district_staff, region=region("440309"), values=pool_values())
    with pytest.raises(Forbidden):
        services.pool_set_status(pool=pool, actor=other_district_staff, status="open")
    services.pool_set_status(pool=pool, actor=district_staff, status="open")
    with pytest.raises(WrongState):
        services.pool_set_status(pool=pool, actor=district_staff, status="open")
    services.pool_update(pool=pool, actor=district_staff, values=pool_values(name="新名称"))
    assert audited("pool.update").detail["after"]["name"] == "新名称"
    services.pool_set_status(pool=pool, actor=district_staff, status="closed")
    with pytest.raises(WrongState):
        services.pool_update(pool=pool, actor=district_staff, values=pool_values())


# ─── applying ────────────────────────────────────────────────────────────────────────────────

def test_owner_applies_with_the_published_profile(pool, provider_owner):
    provider, owner = provider_owner
    application = services.application_submit(pool=pool, provider=provider, actor=owner, statement="申请")
    assert application.status == "submitted" and application.profile_version.status == "published"
    audited("pool_application.submit")
    with pytest.raises(Conflict):
        services.application_submit(pool=pool, provider=provider, actor=owner)


def test_viewer_and_outsider_cannot_apply(pool, provider_owner, outsider):
    provider, _owner = provider_owner
    viewer = MembershipFactory(provider=provider, enterprise=None, role="viewer").user
    for user in (viewer, outsider):
        with pytest.raises(Forbidden):
            services.application_submit(pool=pool, provider=provider, actor=user)


def test_applying_needs_a_published_profile(pool):
    provider = ProviderFactory()
    owner = MembershipFactory(provider=provider, enterprise=None, role="owner").user
    with pytest.raises(WrongState) as exc:
        services.application_submit(pool=pool, provider=provider, actor=owner)
    assert exc.value.code == "no_published_profile"


@pytest.mark.parametrize("fields", [{"status": "draft"}, {"status": "closed"},
                                    {"call_opens": dt.date(2020, 1, 1), "call_closes": dt.date(2020, 2, 1)}])
def test_applying_needs_an_open_call(district_staff, provider_owner, fields):
    pool = open_pool(created_by=district_staff, **fields)
    provider, owner = provider_owner
    with pytest.raises(WrongState):
        services.application_submit(pool=pool, provider=provider, actor=owner)


# ─── form check, resubmission, withdrawal ────────────────────────────────────────────────────

def test_form_check_outcomes(pool, district_staff):
    passed = services.form_check(application=application_in(pool), actor=district_staff, outcome="pass", note="",
                                 expected_version=0)
    assert passed.status == "expert_review" and passed.state_version == 1
    returned = services.form_check(application=application_in(pool), actor=district_staff, outcome="return",
                                   note="缺少资质证书", expected_version=0)
    assert returned.status == "returned"
    refused = services.form_check(application=application_in(pool), actor=district_staff, outcome="refuse",
                                  note="不符合条件", expected_version=0)
    assert refused.status == "refused" and refused.decided_by == district_staff
    assert audited("pool_application.check_refuse").detail["after"]["status"] == "refused"


def test_returning_needs_a_note(pool, district_staff):
    with pytest.raises(Invalid):
        services.form_check(application=application_in(pool), actor=district_staff, outcome="return", note="",
                            expected_version=0)


@pytest.mark.parametrize("persona", ["other_district_staff", "expert", "outsider"])
def test_others_cannot_check(pool, persona, request):
    with pytest.raises(Forbidden):
        services.form_check(application=application_in(pool), actor=request.getfixturevalue(persona),
                            outcome="pass", note="", expected_version=0)


def test_city_staff_check_a_district_pool(pool, city_staff):
    application = services.form_check(application=application_in(pool), actor=city_staff, outcome="pass",
                                      note="", expected_version=0)
    assert application.status == "expert_review"


def test_stale_and_double_decisions_are_conflicts(pool, district_staff):
    application = application_in(pool)
    services.form_check(application=application, actor=district_staff, outcome="pass", note="", expected_version=0)
    with pytest.raises(Conflict) as exc:  # the same click again
        services.form_check(application=application, actor=district_staff, outcome="pass", note="",
                            expected_version=0)
    assert exc.value.code == "wrong_status"
    expert_review = application_in(pool, "expert_review", state_version=3)
    with pytest.raises(Conflict) as exc:
        services.notice_publish(application=expert_review, actor=district_staff, expected_version=2)
    assert exc.value.code == "stale"


def test_resubmit_and_withdraw(pool, district_staff):
    application = application_in(pool, "returned")
    owner = application.submitted_by
    resubmitted = services.application_resubmit(application=application, actor=owner, statement="已补充",
                                                discount_offer="九折", expected_version=0)
    assert resubmitted.status == "submitted"
    with pytest.raises(Forbidden):
        services.application_withdraw(application=application, actor=district_staff, expected_version=1)
    withdrawn = services.application_withdraw(application=application, actor=owner, expected_version=1)
    assert withdrawn.status == "withdrawn"
    audited("pool_application.withdraw")


def test_no_withdrawal_once_in_notice(pool):
    application = application_in(pool, "notice")
    with pytest.raises(Conflict):
        services.application_withdraw(application=application, actor=application.submitted_by, expected_version=0)


def test_viewer_teammate_cannot_resubmit(pool):
    application = application_in(pool, "returned")
    viewer = MembershipFactory(provider=application.provider, enterprise=None, role="viewer").user
    with pytest.raises(Forbidden):
        services.application_resubmit(application=application, actor=viewer, statement="", discount_offer="",
                                      expected_version=0)


# ─── experts ─────────────────────────────────────────────────────────────────────────────────

@pytest.fixture
def in_review(pool):
    return application_in(pool, "expert_review")


def test_assign_and_score(in_review, district_staff, expert):
    sheet = services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    with pytest.raises(WrongState):
        services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=1)
    scored = services.score_submit(sheet=sheet, actor=expert, scores=GOOD, no_conflict_declared=True, comment="能力较强")
    assert scored.total == D("78.75")
    in_review.refresh_from_db()
    assert in_review.total_score == D("78.75")
    with pytest.raises(WrongState):
        services.score_submit(sheet=sheet, actor=expert, scores=GOOD, no_conflict_declared=True)
    audited("pool_application.score")


def test_only_experts_are_assigned(in_review, district_staff, other_district_staff):
    with pytest.raises(Invalid):
        services.expert_assign(application=in_review, actor=district_staff, expert=other_district_staff,
                               expected_version=0)


def test_another_expert_cannot_use_the_sheet(in_review, district_staff, expert):
    sheet = services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    stranger = StaffFactory(staff_role="expert", region=None)
    with pytest.raises(Forbidden):
        services.score_submit(sheet=sheet, actor=stranger, scores=GOOD, no_conflict_declared=True)


def test_an_expert_with_a_declared_conflict_cannot_score(in_review, district_staff, expert):
    sheet = services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    services.conflict_declare(sheet=sheet, actor=expert, note="曾任该公司顾问")
    with pytest.raises(Forbidden) as exc:
        services.score_submit(sheet=sheet, actor=expert, scores=GOOD, no_conflict_declared=True)
    assert exc.value.code == "conflict_declared" and "利益冲突" in exc.value.message or exc.value.message
    assert ExpertScore.objects.get(pk=sheet.pk).total is None


@pytest.mark.parametrize("scores", [{**GOOD, "basic": "101"}, {**GOOD, "discount": ""}, {**GOOD, "delivery": "abc"},
                                    {**GOOD, "capability": "NaN"}])
def test_out_of_range_scores_are_invalid(in_review, district_staff, expert, scores):
    sheet = services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    with pytest.raises(Invalid):
        services.score_submit(sheet=sheet, actor=expert, scores=scores, no_conflict_declared=True)


def _scored(application, staff, totals_by_expert):
    for scores in totals_by_expert:
        expert = StaffFactory(staff_role="expert", region=None)
        application.refresh_from_db()
        sheet = services.expert_assign(application=application, actor=staff, expert=expert,
                                       expected_version=application.state_version)
        services.score_submit(sheet=sheet, actor=expert, scores=scores, no_conflict_declared=True)
    application.refresh_from_db()
    return application


def test_notice_needs_passing_complete_scores(in_review, district_staff, expert):
    services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    with pytest.raises(WrongState) as exc:
        services.notice_publish(application=in_review, actor=district_staff, expected_version=1)
    assert exc.value.code == "scores_pending"
    low = _scored(application_in(in_review.pool, "expert_review"), district_staff,
                  [dict.fromkeys(GOOD, "50")])
    with pytest.raises(WrongState) as exc:
        services.notice_publish(application=low, actor=district_staff, expected_version=low.state_version)
    assert exc.value.code == "below_pass_score"


def test_notice_then_admission(in_review, district_staff):
    application = _scored(in_review, district_staff, [GOOD, dict.fromkeys(GOOD, "90")])
    application = services.notice_publish(application=application, actor=district_staff,
                                          expected_version=application.state_version)
    assert application.status == "notice" and application.total_score == D("84.38")
    assert application.notice_ends - application.notice_starts == dt.timedelta(days=6)
    with pytest.raises(WrongState) as exc:  # the notice still runs
        services.application_decide(application=application, actor=district_staff, admit=True, note="",
                                    expected_version=application.state_version)
    assert exc.value.code == "notice_running"
    PoolApplication.objects.filter(pk=application.pk).update(notice_ends=TODAY() - dt.timedelta(days=1))
    application.refresh_from_db()
    admitted = services.application_decide(application=application, actor=district_staff, admit=True, note="",
                                           expected_version=application.state_version)
    assert admitted.status == "admitted"
    member = PoolMember.objects.get(application=admitted)
    assert member.status == "active" and member.valid_until.year == TODAY().year + 3
    assert member.next_recheck.year == TODAY().year + 1
    audited("pool_application.admit")


# ─── objections ──────────────────────────────────────────────────────────────────────────────

@pytest.fixture
def in_notice(pool):
    today = TODAY()
    return application_in(pool, "notice", total_score=D(80), notice_starts=today - dt.timedelta(days=7),
                          notice_ends=today)


def test_objection_blocks_admission_until_resolved(in_notice, district_staff, outsider):
    objection = services.objection_file(application=in_notice, actor=outsider, text="案例造假")
    with pytest.raises(WrongState):
        services.objection_file(application=in_notice, actor=outsider, text="再次异议")
    PoolApplication.objects.filter(pk=in_notice.pk).update(notice_ends=TODAY() - dt.timedelta(days=1))
    in_notice.refresh_from_db()
    with pytest.raises(WrongState) as exc:
        services.application_decide(application=in_notice, actor=district_staff, admit=True, note="",
                                    expected_version=in_notice.state_version)
    assert exc.value.code == "open_objections"
    with pytest.raises(Forbidden):
        services.objection_resolve(objection=objection, actor=outsider, outcome="dismissed", resolution="x")
    services.objection_resolve(objection=objection, actor=district_staff, outcome="upheld", resolution="属实")
    with pytest.raises(Conflict):
        services.objection_resolve(objection=objection, actor=district_staff, outcome="dismissed", resolution="x")
    in_notice.refresh_from_db()
    with pytest.raises(WrongState) as exc:
        services.application_decide(application=in_notice, actor=district_staff, admit=True, note="",
                                    expected_version=in_notice.state_version)
    assert exc.value.code == "upheld_objections"
    refused = services.application_decide(application=in_notice, actor=district_staff, admit=False, note="异议成立",
                                          expected_version=in_notice.state_version)
    assert refused.status == "refused" and not PoolMember.objects.filter(application=refused).exists()


def test_no_objection_after_the_notice(in_notice, outsider):
    PoolApplication.objects.filter(pk=in_notice.pk).update(notice_ends=TODAY() - dt.timedelta(days=1))
    in_notice.refresh_from_db()
    with pytest.raises(WrongState):
        services.objection_file(application=in_notice, actor=outsider, text="迟到的异议")
    with pytest.raises(Conflict):
        services.objection_file(application=application_in(in_notice.pool, "expert_review"), actor=outsider,
                                text="尚未公示")
    assert not Objection.objects.exists()


def test_other_district_staff_cannot_decide(in_notice, other_district_staff):
    with pytest.raises(Forbidden):
        services.application_decide(application=in_notice, actor=other_district_staff, admit=False, note="x",
                                    expected_version=0)


# ─── re-check and appeal ─────────────────────────────────────────────────────────────────────

def test_recheck_passes_with_confirmed_clients(pool, district_staff):
    member = member_of(pool)
    CaseConfirmation.objects.create(provider=member.provider, case_key="k1", enterprise=EnterpriseFactory(),
                                    status="confirmed")
    check = services.recheck_run(member=member, actor=district_staff, expected_version=0)
    member.refresh_from_db()
    assert check.outcome == "pass" and member.status == "active" and member.next_recheck > TODAY()
    audited("pool_member.recheck")
    with pytest.raises(Conflict):
        services.recheck_run(member=member, actor=district_staff, expected_version=0)


def test_recheck_suspends_with_reasons_and_appeal_restores(pool, district_staff, other_district_staff):
    member = member_of(pool)
    enterprise = EnterpriseFactory()
    Complaint.objects.create(provider=member.provider, enterprise=enterprise, filed_by=district_staff, subject="s",
                             text="t", status="upheld", handled_at=timezone.now())
    with pytest.raises(Forbidden):
        services.recheck_run(member=member, actor=other_district_staff, expected_version=0)
    check = services.recheck_run(member=member, actor=district_staff, expected_version=0)
    member.refresh_from_db()
    assert check.outcome == "suspend" and member.status == "suspended"
    assert [r["code"] for r in check.reasons] == ["few_clients", "upheld_complaints"]
    assert member.suspended_reason  # a sentence the provider reads
    owner = member.provider.memberships.get(role="owner").user
    with pytest.raises(Forbidden):
        services.appeal_file(member=member, actor=district_staff, text="申诉")
    appeal = services.appeal_file(member=member, actor=owner, text="客户已补充确认")
    with pytest.raises(Conflict):
        services.appeal_file(member=member, actor=owner, text="再次申诉")
    with pytest.raises(Forbidden):
        services.appeal_decide(appeal=appeal, actor=other_district_staff, grant=True, note="x")
    services.appeal_decide(appeal=appeal, actor=district_staff, grant=True, note="材料已补齐")
    member.refresh_from_db()
    assert member.status == "active" and member.suspended_reason == ""
    assert Appeal.objects.get(pk=appeal.pk).status == "granted"
    with pytest.raises(Conflict):
        services.appeal_decide(appeal=appeal, actor=district_staff, grant=False, note="x")
    audited("pool_member.appeal_decide")


def test_recheck_not_before_due(pool, district_staff):
    member = member_of(pool, due_days_ago=-30)
    with pytest.raises(WrongState):
        services.recheck_run(member=member, actor=district_staff, expected_version=0)


def test_recheck_flags_expired_qualifications(pool, district_staff):
    from tests.factories.providers import profile_document, published_profile

    provider, owner = applicant()
    document = profile_document()
    document["qualifications"][0]["expires"] = (TODAY() - dt.timedelta(days=1)).isoformat()
    published_profile(provider, document=document, actor=owner)
    member = member_of(pool, provider=provider)
    check = services.recheck_run(member=member, actor=district_staff, expected_version=0)
    assert "expired_qualification" in [r["code"] for r in check.reasons]


# ─── ratings and complaints ──────────────────────────────────────────────────────────────────

def test_rating_needs_a_confirmed_engagement_once_a_year(owner, enterprise, teammate):
    provider = ProviderFactory()
    with pytest.raises(WrongState):
        services.rating_submit(provider=provider, enterprise=enterprise, actor=owner, score=5)
    CaseConfirmation.objects.create(provider=provider, case_key="k", enterprise=enterprise, status="confirmed")
    with pytest.raises(Forbidden):
        services.rating_submit(provider=provider, enterprise=enterprise, actor=teammate, score=5)
    with pytest.raises(Invalid):
        services.rating_submit(provider=provider, enterprise=enterprise, actor=owner, score=6)
    services.rating_submit(provider=provider, enterprise=enterprise, actor=owner, score=4, comment="交付及时")
    with pytest.raises(Conflict):
        services.rating_submit(provider=provider, enterprise=enterprise, actor=owner, score=5)
    assert Rating.objects.get().score == 4


def test_complaint_filed_and_handled_in_the_providers_region(owner, enterprise, outsider):
    provider = ProviderFactory(region=region("440309"))
    with pytest.raises(Forbidden):
        services.complaint_file(provider=provider, enterprise=enterprise, actor=outsider, subject="s", text="t")
    complaint = services.complaint_file(provider=provider, enterprise=enterprise, actor=owner, subject="延期交付",
                                        text="项目延期三个月")
    other = StaffFactory(staff_role="district_staff", region=region("440306"))
    with pytest.raises(Forbidden):
        services.complaint_handle(complaint=complaint, actor=other, upheld=True, resolution="x")
    staff = StaffFactory(staff_role="district_staff", region=region("440309"))
    handled = services.complaint_handle(complaint=complaint, actor=staff, upheld=True, resolution="属实")
    assert handled.status == "upheld"
    with pytest.raises(Conflict):
        services.complaint_handle(complaint=complaint, actor=staff, upheld=False, resolution="x")
    audited("provider.complaint_handle")


def test_scoring_needs_the_no_conflict_declaration_which_is_audited(in_review, district_staff, expert):
    sheet = services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    with pytest.raises(Invalid) as refusal:
        services.score_submit(sheet=sheet, actor=expert, scores=GOOD, no_conflict_declared=False)
    assert refusal.value.code == "no_conflict_declaration"
    sheet.refresh_from_db()
    assert sheet.submitted_at is None
    services.score_submit(sheet=sheet, actor=expert, scores=GOOD, no_conflict_declared=True)
    event = AuditEvent.objects.filter(action="pool_application.score").latest("pk")
    assert event.detail["no_conflict_declared"] is True


def test_the_api_asks_for_the_declaration_too(in_review, district_staff, expert, client):
    from rest_framework.test import APIClient

    sheet = services.expert_assign(application=in_review, actor=district_staff, expert=expert, expected_version=0)
    api = APIClient()
    api.force_authenticate(expert)
    url = f"/api/v1/registry/score-sheets/{sheet.pk}/submit/"
    response = api.post(url, GOOD, format="json")
    assert response.status_code == 400 and "no_conflict" in response.json()["errors"]
    response = api.post(url, {**GOOD, "no_conflict": False}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "no_conflict_declaration"
    assert api.post(url, {**GOOD, "no_conflict": True}, format="json").status_code == 200
