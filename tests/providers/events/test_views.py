"""Pages of matchmaking events: personas (district staff of the region, city staff above it,
other-district staff 404, enterprise and provider users 403/404), the HTMX job block and its
polling, meeting records (stale → 409), bad input (NUL bytes, unknown ids) and the audited export."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from providers.models import EventParticipant, EventProvider, MatchEvent, Pairing, PairingJob
from tests.factories.portal import region
from tests.providers.events.conftest import assessed

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"providers:{name}", args=args)


def test_staff_of_the_region_and_above_see_the_event(login, ready_event, district_staff, city_staff):
    for user in (district_staff, city_staff):
        client = login(user)
        assert client.get(url("events")).status_code == 200
        page = client.get(url("event-detail", ready_event.pk))
        assert page.status_code == 200 and ready_event.title in page.content.decode()
        assert client.get(url("event-participants", ready_event.pk)).status_code == 200
        assert client.get(url("event-providers", ready_event.pk)).status_code == 200


@pytest.mark.parametrize("name", ["event-detail", "event-participants", "event-providers", "event-edit",
                                  "event-export"])
def test_other_district_staff_get_404(login, ready_event, other_district_staff, name):
    client = login(other_district_staff)
    assert client.get(url(name, ready_event.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(ready_event.pk)).exists()


def test_other_district_staff_cannot_act(login, ready_event, other_district_staff):
    client = login(other_district_staff)
    assert client.post(url("event-generate", ready_event.pk), **HX).status_code == 404
    assert client.post(url("event-providers", ready_event.pk), {"ids": ["1"]}).status_code == 404
    assert not PairingJob.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "provider_user", "expert"])
def test_enterprise_provider_and_expert_users_are_refused(login, ready_event, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(url("events")).status_code == 403
    assert client.get(url("event-create")).status_code == 403
    assert client.get(url("event-detail", ready_event.pk)).status_code in (403, 404)
    assert client.post(url("event-generate", ready_event.pk)).status_code in (403, 404)


def test_create_and_edit_an_event(login, district_staff):
    client = login(district_staff)
    response = client.post(url("event-create"), {"title": "新安街道对接会", "kind": "district",
                                                 "region": region("440309").pk, "date": "2026-12-20",
                                                 "venue": "宝安会展中心"})
    event = MatchEvent.objects.get()
    assert response.status_code == 302 and event.created_by == district_staff
    response = client.post(url("event-edit", event.pk), {"title": "改名", "kind": "district",
                                                         "region": region("440309").pk, "date": "2026-12-21",
                                                         "state_version": "0"})
    assert response.status_code == 302
    response = client.post(url("event-edit", event.pk), {"title": "又改", "kind": "district",
                                                         "region": region("440309").pk, "date": "2026-12-21",
                                                         "state_version": "0"})
    assert response.status_code == 409
    event.refresh_from_db()
    assert event.title == "改名"


def test_nul_bytes_are_refused_without_change(login, district_staff):
    client = login(district_staff)
    response = client.post(url("event-create"), {"title": "对接\x00会", "kind": "district",
                                                 "region": region("440309").pk, "date": "2026-12-20"})
    assert response.status_code in (400, 422)  # the middleware or the form's null-character check
    assert not MatchEvent.objects.exists()
    pairing_form = {"status": "meeting", "meeting_at": "", "meeting_notes": "a\x00b", "state_version": "0"}
    assert client.post(url("event-pairing", 1, 1), pairing_form).status_code in (400, 404)


def test_invite_by_filter_and_bad_ids(login, event, district_staff):
    digital = assessed()
    assessed(category="smart_manufacturing")
    client = login(district_staff)
    page = client.get(url("event-participants", event.pk), {"category": "digital_management"})
    assert page.status_code == 200 and digital.name in page.content.decode()
    for ids in (["abc"], ["99999999"], []):
        assert client.post(url("event-participants", event.pk), {"ids": ids}).status_code == 422
    assert not EventParticipant.objects.exists()
    response = client.post(url("event-participants", event.pk), {"all": "1", "category": "digital_management"})
    assert response.status_code == 302
    assert list(EventParticipant.objects.values_list("enterprise_id", flat=True)) == [digital.pk]
    assert client.post(url("event-participant-remove", event.pk, 999999)).status_code == 422


def test_invite_providers_page(login, event, members, district_staff):
    client = login(district_staff)
    page = client.get(url("event-providers", event.pk)).content.decode()
    assert all(m.provider.name in page for m in members)
    response = client.post(url("event-providers", event.pk), {"ids": [str(members[0].provider_id)]})
    assert response.status_code == 302
    assert EventProvider.objects.filter(event=event).count() == 1
    assert client.post(url("event-providers", event.pk), {"ids": ["777777"]}).status_code == 422


def test_generate_shows_progress_and_polling_stops_when_final(login, ready_event, district_staff, monkeypatch,
                                                              ranked, django_capture_on_commit_callbacks):
    monkeypatch.setattr("portal.jobs.enqueue", lambda *a, **k: True)  # a worker picks it up later
    client = login(district_staff)
    response = client.post(url("event-generate", ready_event.pk), **HX)
    job = PairingJob.objects.get()
    html = response.content.decode()
    assert response.status_code == 200 and job.status == "queued"
    state = html[html.index('id="job-state"'):html.index("</div>")]
    assert 'hx-trigger="every 2s"' in state and "<button" not in state  # the polled line holds no control
    assert "Generate" in html or "生成" in html
    # A second press finds the same job.
    client.post(url("event-generate", ready_event.pk), **HX)
    assert PairingJob.objects.count() == 1
    from providers.events import services
    services.pairing_generate(job_id=job.pk)
    poll = client.get(url("event-job", ready_event.pk, job.pk), **HX).content.decode()
    assert 'data-job-status="done"' in poll and "every 2s" not in poll
    assert client.get(url("event-job", ready_event.pk, 999999)).status_code == 404
    detail = client.get(url("event-detail", ready_event.pk)).content.decode()
    assert detail.count("data-pairing=") == 12


def test_generate_without_providers_says_why(login, event, firms, district_staff):
    client = login(district_staff)
    for firm in firms:
        EventParticipant.objects.create(event=event, enterprise=firm, invited_by=district_staff)
    response = client.post(url("event-generate", event.pk), **HX)
    assert response.status_code == 422 and not PairingJob.objects.exists()


def test_record_a_meeting_and_a_stale_form_is_409(login, ready_event, district_staff, ranked,
                                                   django_capture_on_commit_callbacks):
    from providers.events import services
    with django_capture_on_commit_callbacks(execute=True):
        services.pairing_request(event=ready_event, actor=district_staff)
    MatchEvent.objects.filter(pk=ready_event.pk).update(status="open", opened_at=timezone.now())
    pairing = Pairing.objects.filter(event=ready_event).first()
    client = login(district_staff)
    target = url("event-pairing", ready_event.pk, pairing.pk)
    assert client.get(target).status_code == 200
    form = {"status": "meeting", "meeting_at": "2026-12-20T10:00", "meeting_notes": "已面谈", "outcome": "",
            "state_version": "0"}
    assert client.post(target, form).status_code == 302
    stale = client.post(target, {**form, "status": "agreed"})
    assert stale.status_code == 409
    pairing.refresh_from_db()
    assert pairing.status == "meeting" and pairing.state_version == 1
    assert AuditEvent.objects.filter(action="match_event.pairing_record").count() == 1
    assert client.post(target, {**form, "state_version": "x"}).status_code == 422
    other = url("event-pairing", ready_event.pk, 999999)
    assert client.get(other).status_code == 404


def test_export_via_the_page_is_audited(login, ready_event, district_staff, ranked,
                                        django_capture_on_commit_callbacks):
    from providers.events import services
    with django_capture_on_commit_callbacks(execute=True):
        services.pairing_request(event=ready_event, actor=district_staff)
    client = login(district_staff)
    response = client.get(url("event-export", ready_event.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEvent.objects.filter(action="data.export", object_type="providers.match_event.pairings",
                                     actor=district_staff).count() == 1


def test_open_and_close_buttons(login, event, district_staff):
    client = login(district_staff)
    assert client.post(url("event-transition", event.pk, "open"), {"state_version": "0"}).status_code == 302
    assert client.post(url("event-transition", event.pk, "open"), {"state_version": "1"}).status_code == 409
    assert client.post(url("event-transition", event.pk, "nonsense"), {"state_version": "1"}).status_code == 422
    event.refresh_from_db()
    assert event.status == "open" and event.date == dt.date.today()
