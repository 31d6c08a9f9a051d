"""Profile writes: drafts, section saves with optimistic versions, submit checks, staff decisions,
publishing into the listing, case confirmations and certificate uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.exceptions import Conflict, Forbidden, Invalid, WrongState
from portal.models import AuditEvent, Notification
from providers.models import CaseConfirmation, Listing, ProfileVersion, ProviderDocument
from providers.profiles import services
from tests.factories.portal import EnterpriseFactory, MembershipFactory
from tests.factories.providers import new_key, profile_document, published_profile, submitted_profile

pytestmark = pytest.mark.django_db
S = ProfileVersion.Status
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_start_draft_copies_the_published_document_and_returns_an_open_one(provider, provider_owner):
    published = published_profile(provider, actor=provider_owner)
    draft = services.start_draft(provider=provider, actor=provider_owner)
    assert (draft.status, draft.number, draft.base_id) == (S.DRAFT, 2, published.pk)
    assert draft.document == published.document
    assert services.start_draft(provider=provider, actor=provider_owner).pk == draft.pk
    assert AuditEvent.objects.filter(action="profile.draft_start").count() == 1


def test_viewer_and_outsider_cannot_start_or_save(provider, provider_owner, provider_viewer, other_provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    for user in (provider_viewer, other_provider_owner):
        with pytest.raises(Forbidden):
            services.start_draft(provider=provider, actor=user)
        with pytest.raises(Forbidden):
            services.save_section(version=draft, section="new_tech", data=["ai"], edit_version=0, actor=user)


def test_section_save_bumps_the_version_and_a_stale_one_conflicts(provider, provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    result = services.save_section(version=draft, section="new_tech", data=["ai", "nope"], edit_version=0,
                                   actor=provider_owner)
    assert result.version.edit_version == 1
    assert [p.code for p in result.problems] == ["unknown_code"]  # saved, but shown
    with pytest.raises(Conflict) as exc:
        services.save_section(version=draft, section="new_tech", data=["5g"], edit_version=0, actor=provider_owner)
    assert exc.value.code == "stale"
    draft.refresh_from_db()
    assert draft.document["new_tech"] == ["ai", "nope"]
    event = AuditEvent.objects.filter(action="profile.section_save").get()
    assert event.detail["section"] == "new_tech" and event.detail["changes"]


def test_new_entries_get_keys_and_nul_bytes_are_refused(provider, provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    result = services.save_section(version=draft, section="apps", data=[{"name": "MES"}], edit_version=0,
                                   actor=provider_owner)
    assert result.version.document["apps"][0]["key"]
    with pytest.raises(Invalid) as exc:
        services.save_section(version=draft, section="facts", data={"summary": "a\x00b"}, edit_version=1,
                              actor=provider_owner)
    assert exc.value.code == "nul"
    with pytest.raises(Invalid):
        services.save_section(version=draft, section="facts", data=["not", "an", "object"], edit_version=1,
                              actor=provider_owner)
    with pytest.raises(Invalid):
        services.save_section(version=draft, section="secret", data={}, edit_version=1, actor=provider_owner)


def test_submitted_and_published_versions_are_not_edited_in_place(provider, provider_owner):
    submitted = submitted_profile(provider, provider_owner)
    with pytest.raises(WrongState) as exc:
        services.save_section(version=submitted, section="new_tech", data=[], edit_version=submitted.edit_version,
                              actor=provider_owner)
    assert exc.value.code == "submitted"
    services.withdraw(version=submitted, actor=provider_owner)
    submitted.refresh_from_db()
    assert submitted.status == S.DRAFT
    published = published_profile(ProviderFactory_with_owner(provider_owner))
    with pytest.raises(WrongState) as exc:
        services.save_section(version=published, section="new_tech", data=[], edit_version=published.edit_version,
                              actor=provider_owner)
    assert exc.value.code == "published"


def ProviderFactory_with_owner(user):  # noqa: N802 - reads as a factory
    from tests.factories.portal import ProviderFactory

    provider = ProviderFactory()
    MembershipFactory(provider=provider, user=user, role="owner")
    return provider


def test_submit_lists_problems_and_refuses_expired_certificates(provider, provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    with pytest.raises(services.ProfileInvalid) as exc:
        services.submit(version=draft, actor=provider_owner)
    assert {p.path for p in exc.value.problems} == {"facts.summary", "facts.contacts", "capabilities"}
    document = profile_document()
    document["qualifications"][0]["expires"] = "2020-01-31"
    ProfileVersion.objects.filter(pk=draft.pk).update(document=document)
    draft.refresh_from_db()
    with pytest.raises(services.ProfileInvalid) as exc:
        services.submit(version=draft, actor=provider_owner)
    assert exc.value.code == "expired_qualification"
    assert "2020-01-31" in exc.value.message
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_a_change_needs_a_reason(provider, provider_owner):
    published_profile(provider, actor=provider_owner)
    draft = services.start_draft(provider=provider, actor=provider_owner)
    with pytest.raises(Invalid) as exc:
        services.submit(version=draft, actor=provider_owner, reason=" ")
    assert exc.value.code == "reason_required"
    assert services.submit(version=draft, actor=provider_owner, reason="新增案例").status == S.SUBMITTED


def test_approve_publishes_supersedes_and_projects(provider, provider_owner, district_staff):
    first = published_profile(provider, actor=provider_owner)
    draft = services.start_draft(provider=provider, actor=provider_owner)
    document = dict(draft.document)
    document["apps"] = document["apps"] + [{"key": new_key(), "name": "设备管家", "category": "equipment",
                                            "deployment": "saas", "price_model": "subscription", "clients": 3}]
    services.save_section(version=draft, section="apps", data=document["apps"], edit_version=0, actor=provider_owner)
    version = services.submit(version=draft, reason="新增应用", actor=provider_owner)
    services.approve(version=version, staff=district_staff, note="同意", expected_state=version.edit_version)
    first.refresh_from_db()
    version.refresh_from_db()
    assert (first.status, version.status, version.decided_by) == (S.SUPERSEDED, S.PUBLISHED, district_staff)
    listing = Listing.objects.get(provider=provider)
    assert listing.version_id == version.pk and listing.app_count == 2
    event = AuditEvent.objects.filter(action="profile.approve").get()
    assert event.detail["before"]["published"] == 1 and event.detail["after"]["published"] == 2
    assert {"section": "apps", "kind": "added", "entry": "设备管家", "fields": []} in event.detail["changes"]
    note = Notification.objects.get(user=provider_owner, kind="profile.approved")
    assert "第 2 版" in note.title and note.body == "同意"


def test_double_and_stale_decisions_conflict(provider, provider_owner, district_staff, city_staff):
    version = submitted_profile(provider, provider_owner)
    with pytest.raises(Conflict) as exc:
        services.approve(version=version, staff=district_staff, expected_state=version.edit_version - 1)
    assert exc.value.code == "stale"
    services.approve(version=version, staff=district_staff, expected_state=version.edit_version)
    with pytest.raises(Conflict) as exc:
        services.approve(version=version, staff=city_staff, expected_state=version.edit_version)
    assert exc.value.code == "already_decided"
    with pytest.raises(Conflict):
        services.reject(version=version, staff=city_staff, note="不同意")
    assert AuditEvent.objects.filter(action="profile.decision_refused").count() == 3


def test_other_district_staff_and_providers_cannot_decide(provider, provider_owner, other_district_staff):
    version = submitted_profile(provider, provider_owner)
    for user in (other_district_staff, provider_owner):
        with pytest.raises(Forbidden):
            services.approve(version=version, staff=user)
    version.refresh_from_db()
    assert version.status == S.SUBMITTED


def test_approving_a_draft_whose_base_moved_conflicts(provider, provider_owner, district_staff):
    published_profile(provider, actor=provider_owner)
    version = submitted_profile(provider, provider_owner, reason="修改")
    published_profile(provider, actor=provider_owner)  # published meanwhile by another path
    with pytest.raises(Conflict) as exc:
        services.approve(version=version, staff=district_staff)
    assert exc.value.code == "base_moved" and "已有更新的发布版本" in exc.value.message


def test_reject_needs_a_note_and_the_next_draft_starts_from_the_rejected_document(provider, provider_owner,
                                                                                  district_staff):
    version = submitted_profile(provider, provider_owner)
    with pytest.raises(Invalid):
        services.reject(version=version, staff=district_staff, note="")
    services.reject(version=version, staff=district_staff, note="案例缺少投资额")
    assert Notification.objects.filter(user=provider_owner, kind="profile.rejected").exists()
    version.refresh_from_db()
    assert version.status == S.REJECTED and version.decision_note == "案例缺少投资额"
    draft = services.start_draft(provider=provider, actor=provider_owner)
    assert draft.document == version.document and draft.number == 2


def test_cases_naming_a_portal_enterprise_are_confirmed_by_it(provider, provider_owner, district_staff):
    client = EnterpriseFactory()
    editor = MembershipFactory(enterprise=client, role="editor").user
    viewer = MembershipFactory(enterprise=client, role="viewer").user
    document = profile_document()
    document["cases"][0]["client_uscc"] = client.uscc
    version = submitted_profile(provider, provider_owner, document=document)
    services.approve(version=version, staff=district_staff)
    confirmation = CaseConfirmation.objects.get(provider=provider)
    assert (confirmation.enterprise, confirmation.status) == (client, "pending")
    assert list(Notification.objects.filter(kind="profile.case_confirmation").values_list("user", flat=True)) == [
        editor.pk]  # owners and editors answer; the viewer is not asked
    with pytest.raises(Forbidden):
        services.confirm_case(confirmation=confirmation, actor=viewer)
    with pytest.raises(Forbidden):
        services.confirm_case(confirmation=confirmation, actor=provider_owner)
    services.confirm_case(confirmation=confirmation, actor=editor)
    listing = Listing.objects.get(provider=provider)
    assert listing.verified_case_count == 1
    assert listing.capabilities.get(area="software").verified_cases == 1
    with pytest.raises(Conflict):
        services.decline_case(confirmation=confirmation, actor=editor)


def test_disguised_upload_is_refused_and_nothing_is_stored(provider, provider_owner):
    disguised = SimpleUploadedFile("证书.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(Invalid) as exc:
        services.upload_document(provider=provider, upload=disguised, actor=provider_owner)
    assert exc.value.code == "markup"
    renamed = SimpleUploadedFile("证书.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + b"\x00" * 64)
    with pytest.raises(Invalid) as exc:
        services.upload_document(provider=provider, upload=renamed, actor=provider_owner)
    assert exc.value.code == "extension"
    assert not ProviderDocument.objects.exists()
    assert AuditEvent.objects.filter(action="profile.document_upload", outcome="failure").count() == 2


def test_certificate_upload_and_reference_from_another_provider_is_a_problem(provider, provider_owner):
    document = services.upload_document(provider=provider, upload=SimpleUploadedFile("cert.pdf", PDF),
                                        actor=provider_owner)
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    other = ProviderFactory_with_owner(provider_owner)
    draft = services.start_draft(provider=other, actor=provider_owner)
    body = profile_document()
    body["qualifications"][0]["document"] = document.pk
    ProfileVersion.objects.filter(pk=draft.pk).update(document=body)
    draft.refresh_from_db()
    with pytest.raises(services.ProfileInvalid) as exc:
        services.submit(version=draft, actor=provider_owner)
    assert [p.code for p in exc.value.problems] == ["unknown_document"]
