"""The whole review chain through the services, and what each persona may do."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.exceptions import Conflict, DomainError, Forbidden, Invalid, WrongState
from portal.models import AuditEvent, Notification, RecordHistory
from subsidies.applications import services as apply
from subsidies.disbursement import services as pay
from subsidies.models import Application, ApplicationEvent, BudgetLine
from subsidies.notice import services as notice
from subsidies.review import services as review
from tests.factories.subsidies import application_in, programme_version
from tests.subsidies.conftest import pdf

DECL = {"truthful": True, "no_double_funding": True, "not_filed_by_provider": True}
pytestmark = pytest.mark.django_db


def _fresh(app):
    return Application.objects.get(pk=app.pk)


def test_full_chain_from_draft_to_evaluation(version, enterprise, owner, district_staff, expert, expert2,
                                             city_staff):
    app = apply.create_draft(version=version, enterprise=enterprise, actor=owner,
                             values={"project_title": "MES 上线", "declared_investment": "300000.50"})
    assert app.reference.startswith("BT") and app.reference.endswith(f"{app.pk:06d}")
    assert app.region_id == enterprise.region_id and app.estimated_amount == Decimal("60000.10")
    with pytest.raises(WrongState) as exc:
        apply.submit(application=app, actor=owner, declarations=DECL, expected_version=app.state_version)
    assert exc.value.code == "no_attachments"
    apply.attach(application=app, actor=owner, upload=pdf(), kind="contract")
    app = apply.submit(application=_fresh(app), actor=owner, declarations=DECL, expected_version=1)
    assert app.status == "submitted"
    # Form check: return keeps the content, the enterprise edits and submits again.
    app = review.form_check(application=app, actor=district_staff, outcome="return", note="缺发票",
                            expected_version=app.state_version)
    assert app.status == "returned" and _fresh(app).project_title == "MES 上线"
    notice_row = Notification.objects.get(user=owner, kind="subsidy.check_return")
    assert app.reference in notice_row.title and notice_row.body == "缺发票"
    app = apply.update(application=app, actor=owner, values={"project_title": "MES 二期", "declared_investment": "300000"},
                       expected_version=app.state_version)
    app = apply.submit(application=app, actor=owner, declarations=DECL, expected_version=app.state_version)
    app = review.form_check(application=app, actor=district_staff, outcome="pass", note="",
                            expected_version=app.state_version)
    assert app.status == "form_checked"
    # Expert review: one expert declares a conflict, the other scores.
    sheet1 = review.expert_assign(application=app, actor=district_staff, expert=expert,
                                  expected_version=_fresh(app).state_version)
    assert Notification.objects.filter(user=expert, kind="subsidy.expert_assigned").count() == 1
    sheet2 = review.expert_assign(application=app, actor=district_staff, expert=expert2,
                                  expected_version=_fresh(app).state_version)
    review.conflict_declare(review=sheet1, actor=expert, note="曾为该企业提供咨询")
    with pytest.raises(WrongState):
        review.review_close(application=app, actor=district_staff, expected_version=_fresh(app).state_version)
    review.score_submit(review=sheet2, actor=expert2, no_conflict_declared=True,
                        scores={"necessity": "80", "feasibility": "70", "investment": "90", "benefit": "60"})
    app = review.review_close(application=app, actor=district_staff, expected_version=_fresh(app).state_version)
    assert app.status == "expert_reviewed" and app.expert_score == Decimal("76.50")
    # Special audit: the verified investment fixes the base.
    app = review.audit_record(application=app, actor=district_staff, verified_investment="250000",
                              note="审计报告 2026-17", expected_version=app.state_version)
    assert app.verified_investment == Decimal("250000.00") and app.estimated_amount == Decimal("50000.00")
    app = review.notice_publish(application=app, actor=district_staff, expected_version=app.state_version)
    assert app.status == "in_notice"
    # An anonymous objection with a contact, resolved before the decision.
    from django.contrib.auth.models import AnonymousUser

    objection = notice.objection_file(application=app, actor=AnonymousUser(), text_value="投资额虚报",
                                      contact="13800000000")
    later = timezone.localdate() + dt.timedelta(days=10)
    with pytest.raises(WrongState) as exc:
        review.decide(application=app, actor=district_staff, expected_version=_fresh(app).state_version, today=later)
    assert exc.value.code == "open_objections"
    notice.objection_resolve(objection=objection, actor=district_staff, outcome="dismissed", resolution="经核实无误")
    with pytest.raises(WrongState) as exc:
        review.decide(application=app, actor=district_staff, expected_version=_fresh(app).state_version)
    assert exc.value.code == "notice_running"
    integrity = review._integrity()
    if integrity is not None:  # with the integrity checks installed, the declared conflict is flagged first
        for flag in integrity.flags_blocking_decision(app):
            integrity.override_flag(flag=flag, actor=city_staff, justification="该专家已回避，评分未计入",
                                    expected_version=flag.state_version)
    app = review.decide(application=app, actor=district_staff, expected_version=_fresh(app).state_version, today=later)
    assert app.status == "decided" and app.decided_amount == Decimal("50000.00")
    total = BudgetLine.objects.get(version=version, region__isnull=True)
    assert total.reserved == Decimal("50000.00")
    # Disbursement, paid twice: money moves once.
    batch = pay.batch_create(version=version, actor=district_staff)
    assert batch.total == Decimal("50000.00")
    batch, paid = pay.batch_pay(batch=batch, actor=district_staff)
    batch, again = pay.batch_pay(batch=batch, actor=district_staff)
    assert (paid, again) == (1, 0)
    total.refresh_from_db()
    assert total.disbursed == Decimal("50000.00") and _fresh(app).status == "disbursed"
    app = review.evaluate(application=_fresh(app), actor=district_staff, score="88", note="目标达成",
                          expected_version=_fresh(app).state_version)
    assert app.status == "evaluated"
    actions = list(ApplicationEvent.objects.filter(application=app).values_list("action", flat=True))
    assert actions[:3] == ["create", "submit", "check_return"] and actions[-1] == "evaluate"
    approve = AuditEvent.objects.get(action="subsidy_application.approve")
    assert approve.detail["before"]["status"] == "in_notice" and approve.detail["after"]["status"] == "decided"
    assert RecordHistory.objects.filter(table_name="subsidies_application", row_pk=str(app.pk)).exists()


def test_stale_and_double_decision_change_nothing(version, enterprise, owner, district_staff):
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    stale = app.state_version
    review.decide(application=app, actor=district_staff, expected_version=stale)
    with pytest.raises(Conflict) as exc:
        review.decide(application=app, actor=district_staff, expected_version=stale)
    assert exc.value.code == "wrong_status"
    with pytest.raises(Conflict) as exc:
        review.decide(application=app, actor=district_staff, expected_version=_fresh(app).state_version)
    assert exc.value.code == "wrong_status"
    line = BudgetLine.objects.get(version=version, region__isnull=True)
    assert line.reserved == Decimal("20000.00")
    other = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    with pytest.raises(Conflict) as exc:
        review.decide(application=other, actor=district_staff, expected_version=other.state_version + 1)
    assert exc.value.code == "stale" and _fresh(other).status == "in_notice"


def test_over_budget_refused_nothing_changed(city_staff, enterprise, owner, district_staff):
    version = programme_version(created_by=city_staff, budget="30000", district_budget="25000")
    first = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    second = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    review.decide(application=first, actor=district_staff, expected_version=first.state_version)
    with pytest.raises(Conflict) as exc:
        review.decide(application=second, actor=district_staff, expected_version=second.state_version)
    assert exc.value.code == "over_budget" and "¥20,000.00" in exc.value.message
    lines = {line.region_id is None: line.reserved for line in BudgetLine.objects.filter(version=version)}
    # Both the district line and the total carry the first reservation only.
    assert lines == {True: Decimal("20000.00"), False: Decimal("20000.00")}
    assert _fresh(second).status == "in_notice" and _fresh(second).decided_amount is None
    assert AuditEvent.objects.filter(action="subsidy_application.action_refused",
                                     detail__reason="over_budget").count() == 1


@pytest.mark.parametrize(("values", "code"), [
    ({"project_title": "x", "declared_investment": "100.123"}, "declared_investment_too_many_decimals"),
    ({"project_title": "x", "declared_investment": "-5"}, "declared_investment_negative"),
    ({"project_title": "x", "declared_investment": "99999999999"}, "declared_investment_absurd"),
    ({"project_title": "", "declared_investment": "5"}, "project_title_required"),
    ({"project_title": "a\x00b"}, "project_title_invalid"),
])
def test_bad_input_refused(version, enterprise, owner, values, code):
    with pytest.raises(Invalid) as exc:
        apply.create_draft(version=version, enterprise=enterprise, actor=owner, values=values)
    assert exc.value.code == code and not Application.objects.exists()


def test_outside_dates_or_region_refused(city_staff, enterprise, owner, other_enterprise, outsider):
    today = timezone.localdate()
    closed = programme_version(created_by=city_staff, opens=today - dt.timedelta(days=20),
                               closes=today - dt.timedelta(days=1))
    with pytest.raises(Invalid) as exc:
        apply.create_draft(version=closed, enterprise=enterprise, actor=owner, values={"project_title": "x"})
    assert exc.value.code == "closed"
    district_only = programme_version(created_by=city_staff, region_code="440309")
    with pytest.raises(Invalid) as exc:
        apply.create_draft(version=district_only, enterprise=other_enterprise, actor=outsider,
                           values={"project_title": "x"})
    assert exc.value.code == "outside_region" and not Application.objects.exists()


def test_personas(version, enterprise, owner, teammate, outsider, district_staff, other_district_staff,
                  expert, city_staff):
    app = application_in(version, "submitted", enterprise=enterprise, filed_by=owner)
    visible = {u.username: Application.objects.visible_to(u).filter(pk=app.pk).exists()
               for u in (owner, teammate, outsider, district_staff, other_district_staff, expert, city_staff)}
    assert visible == {owner.username: True, teammate.username: True, outsider.username: False,
                       district_staff.username: True, other_district_staff.username: False,
                       expert.username: False, city_staff.username: True}
    assert not Application.objects.writable_by(teammate).exists()
    assert Application.objects.writable_by(owner).filter(pk=app.pk).exists()
    for user in (owner, teammate, outsider, other_district_staff, expert):
        with pytest.raises(DomainError) as exc:
            review.form_check(application=app, actor=user, outcome="pass", note="", expected_version=app.state_version)
        assert isinstance(exc.value, Forbidden)
    draft = application_in(version, "draft", enterprise=enterprise, filed_by=owner)
    for user in (teammate, outsider, district_staff):
        with pytest.raises(Forbidden):
            apply.update(application=draft, actor=user, values={"project_title": "y"}, expected_version=0)
    assert _fresh(draft).project_title == "MES 上线"


def test_expert_sees_only_assignments(version, enterprise, owner, district_staff, expert, expert2):
    app = application_in(version, "form_checked", enterprise=enterprise, filed_by=owner)
    other = application_in(version, "form_checked", enterprise=enterprise, filed_by=owner)
    sheet = review.expert_assign(application=app, actor=district_staff, expert=expert, expected_version=0)
    assert list(Application.objects.visible_to(expert)) == [app]
    assert not Application.objects.visible_to(expert2).exists()
    with pytest.raises(Forbidden):
        review.score_submit(review=sheet, actor=expert2, no_conflict_declared=True,
                            scores=dict.fromkeys(("necessity", "feasibility", "investment", "benefit"), "80"))
    with pytest.raises(Invalid):
        review.expert_assign(application=other, actor=district_staff, expert=owner, expected_version=0)


def test_signed_in_objection_and_closed_notice(version, enterprise, owner, outsider):
    today = timezone.localdate()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner,
                         notice_starts=today, notice_ends=today + dt.timedelta(days=4))
    notice.objection_file(application=app, actor=outsider, text_value="重复申报")
    with pytest.raises(WrongState):
        notice.objection_file(application=app, actor=outsider, text_value="again")
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Invalid) as exc:
        notice.objection_file(application=app, actor=AnonymousUser(), text_value="x", contact="")
    assert exc.value.code == "contact_required"
    notice.objection_file(application=app, actor=AnonymousUser(), text_value="x", contact="13700000000")
    with pytest.raises(WrongState) as exc:
        notice.objection_file(application=app, actor=AnonymousUser(), text_value="again", contact="13700000000")
    assert exc.value.code == "already_objected"
    over = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    with pytest.raises(WrongState) as exc:
        notice.objection_file(application=over, actor=outsider, text_value="late")
    assert exc.value.code == "notice_over"


def test_disbursement_scoped_and_idempotent(version, enterprise, owner, district_staff, other_district_staff):
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    review.decide(application=app, actor=district_staff, expected_version=0)
    with pytest.raises(Invalid):
        pay.batch_create(version=version, actor=other_district_staff)
    batch = pay.batch_create(version=version, actor=district_staff)
    with pytest.raises(Invalid):
        pay.batch_create(version=version, actor=district_staff)  # already batched
    with pytest.raises(Forbidden):
        pay.batch_pay(batch=batch, actor=other_district_staff)
    with pytest.raises(Forbidden):
        pay.batch_pay(batch=batch, actor=owner)
    pay.batch_pay(batch=batch, actor=district_staff)
    pay.batch_pay(batch=batch, actor=district_staff)
    line = BudgetLine.objects.get(version=version, region__isnull=True)
    assert line.disbursed == Decimal("20000.00")
    assert AuditEvent.objects.filter(action="subsidy_application.pay").count() == 1
