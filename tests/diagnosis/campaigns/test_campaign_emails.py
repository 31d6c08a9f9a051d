"""Campaign e-mails to unregistered targets are tracked sends (#12): one row per target, kind and day,
claimed before the send (a message delivered twice sends once), swept back to the queue when a broker
outage or a dead worker lost it, skipped when the firm registered meanwhile, failed after the cap."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from diagnosis.campaigns import services
from diagnosis.campaigns.tasks import campaign_emails
from diagnosis.models import CampaignEmail, CampaignTarget
from portal import jobs
from tests.diagnosis.campaigns.test_campaigns import _rows, _upload, _xlsx, campaign, staff_client  # noqa: F401
from tests.factories.portal import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(staff_client, campaign):  # noqa: F811
    assert _upload(staff_client, campaign, _xlsx(_rows())).status_code == 302
    return CampaignTarget.objects.filter(campaign=campaign)


def _age(email, by=services.EMAIL_RESEND_AFTER * 2):
    CampaignEmail.objects.filter(pk=email.pk).update(created_at=email.created_at - by)


def test_an_invitation_lost_to_a_broker_outage_goes_out_with_the_sweep(
        campaign, targets, district_staff, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    monkeypatch.setattr(jobs, "enqueue", lambda task, *args, **kw: False)  # the broker refuses everything
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_invite(campaign=campaign, actor=district_staff)
    (email,) = CampaignEmail.objects.all()  # one target has an address, none is registered
    assert (email.kind, email.status, email.address, email.attempts) == ("invite", "pending", "a@example.cn", 0)
    assert not mail.outbox
    monkeypatch.undo()
    assert services.sweep_emails() == 0  # not stale yet: its message may still be on its way
    _age(email)
    assert jobs.sweepers()["diagnosis-campaign-emails"]() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1 and email.sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.cn"] and "?claim=" in mail.outbox[0].body
    assert services.sweep_emails() == 0  # idempotent
    assert services.send_tracked_emails([email.pk]) == 0  # a duplicate message sends nothing
    assert len(mail.outbox) == 1


def test_a_worker_that_died_mid_send_is_taken_over_once(campaign, targets, district_staff):  # noqa: F811
    services.campaign_invite(campaign=campaign, actor=district_staff)  # on_commit never runs here: nothing sent
    (email,) = CampaignEmail.objects.all()
    long_ago = timezone.now() - services.EMAIL_RESEND_AFTER * 2
    CampaignEmail.objects.filter(pk=email.pk).update(status="sending", attempts=1, claimed_at=long_ago,
                                                     created_at=long_ago)
    assert services.sweep_emails() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2 and len(mail.outbox) == 1


def test_a_firm_that_registered_meanwhile_gets_no_claim_mail(campaign, targets, district_staff):  # noqa: F811
    services.campaign_invite(campaign=campaign, actor=district_staff)
    (email,) = CampaignEmail.objects.all()
    MembershipFactory(enterprise=email.target.enterprise, role="owner")
    assert services.send_tracked_emails([email.pk]) == 0
    email.refresh_from_db()
    assert email.status == "skipped" and not mail.outbox


def test_a_refusing_mail_server_is_retried_then_given_up(campaign, targets, district_staff, monkeypatch):  # noqa: F811
    services.campaign_invite(campaign=campaign, actor=district_staff)
    (email,) = CampaignEmail.objects.all()

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", refuse)
    for attempt in range(1, services.EMAIL_ATTEMPTS_MAX + 1):
        assert services.send_tracked_emails([email.pk]) == 0
        email.refresh_from_db()
        assert email.attempts == attempt
    assert email.status == "failed"
    _age(email)
    assert services.sweep_emails() == 0  # given up: not queued again


def test_old_messages_by_target_id_are_tracked_and_sent_once(campaign, targets):  # noqa: F811
    ids = list(targets.values_list("pk", flat=True))
    assert campaign_emails.delay(ids, "invite").get() == 1
    assert campaign_emails.delay(ids, "invite").get() == 0
    assert CampaignEmail.objects.count() == 1 and len(mail.outbox) == 1


def test_a_reminder_is_its_own_tracked_send(campaign, targets, district_staff, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_invite(campaign=campaign, actor=district_staff)
    campaign.deadline = timezone.localdate() + dt.timedelta(days=3)
    campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminders()
    assert sorted(CampaignEmail.objects.values_list("kind", "status")) == [("invite", "sent"), ("remind", "sent")]
    assert [m.subject.split("：")[0] for m in mail.outbox] == ["邀请", "提醒"]
