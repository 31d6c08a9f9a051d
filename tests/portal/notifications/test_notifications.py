"""Notifications (#13 minor): in-app inbox and e-mail on return, approval, report ready and expert
assignment; the e-mail survives a broker outage through the sweeper; the inbox is per user."""

import pytest
from django.core import mail

from diagnosis.review import services as services_review
from portal.exceptions import Conflict
from portal.models import Notification
from portal.notifications import services
from tests.diagnosis.review.conftest import submitted  # noqa: F401  (fixture)
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


def test_a_return_tells_every_member_in_chinese_with_the_comment(district_staff, owner, teammate, submitted,  # noqa: F811
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services_review.assessment_return(assessment=submitted, actor=district_staff, expected_version=0,
                                          comment="请补充设备台账")
    notes = Notification.objects.filter(kind="assessment.returned")
    assert {n.user for n in notes} == {owner, teammate}
    note = notes.get(user=owner)
    assert note.title.startswith("您的诊断评估已被退回修改") and note.body == "请补充设备台账"
    assert note.url == f"/assessments/{submitted.pk}/fill/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, teammate.email])
    assert all(n.email_status == "sent" for n in notes)


def test_approval_and_expert_assignment_notify(district_staff, expert, owner, submitted,  # noqa: F811
                                               django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services_review, "on_assessment_approved", lambda a: None)
    with django_capture_on_commit_callbacks(execute=True):
        services_review.expert_assign(assessment=submitted, actor=district_staff, expert=expert, expected_version=0)
        services_review.assessment_approve(assessment=submitted, actor=district_staff, expected_version=1)
    assert Notification.objects.get(kind="assessment.expert_assigned").user == expert
    assert Notification.objects.get(kind="assessment.approved", user=owner).url == \
        f"/assessments/{submitted.pk}/result/"


def test_a_refused_decision_notifies_nobody(district_staff, submitted):  # noqa: F811
    with pytest.raises(Conflict):
        services_review.assessment_return(assessment=submitted, actor=district_staff, expected_version=5,
                                          comment="x")
    assert not Notification.objects.exists()


def test_users_without_an_address_get_the_inbox_only():
    user = UserFactory(email="")
    (note,) = services.notify([user], kind="k", title="t")
    assert note.email_status == "none"


def test_an_email_lost_to_a_broker_outage_goes_out_with_the_sweep(monkeypatch, django_capture_on_commit_callbacks):
    from portal import jobs

    user = UserFactory()
    monkeypatch.setattr(jobs, "enqueue", lambda task, *args: False)  # the broker refuses everything
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = services.notify([user], kind="k", title="测试")
    assert Notification.objects.get(pk=note.pk).email_status == "pending" and not mail.outbox
    monkeypatch.undo()
    Notification.objects.filter(pk=note.pk).update(created_at=note.created_at - services.EMAIL_RESEND_AFTER * 2)
    assert services.sweep_emails() == 1
    assert Notification.objects.get(pk=note.pk).email_status == "sent" and len(mail.outbox) == 1
    assert services.sweep_emails() == 0  # idempotent
    assert services.send_emails([note.pk]) == 0  # a duplicate message sends nothing


def test_links_must_stay_inside_the_portal():
    with pytest.raises(ValueError, match="inside the portal"):
        services.notify([UserFactory()], kind="k", title="t", url="https://evil.example/")


def test_the_inbox_shows_only_ones_own_and_opening_marks_read(login, owner, outsider):
    (mine,) = services.notify([owner], kind="k", title="我的通知", url="/assessments/")
    (theirs,) = services.notify([outsider], kind="k", title="别人的通知")
    client = login(owner)
    html = client.get("/notifications/").content.decode()
    assert "我的通知" in html and "别人的通知" not in html
    assert 'class="count"' in client.get("/").content.decode()
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    response = client.post(f"/notifications/{mine.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/assessments/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert 'class="count"' not in client.get("/").content.decode()
