"""The profile pages through the browser's eyes: the owner edits section by section and submits,
a viewer reads, outsiders and other-district staff get 404, staff approve from the queue, the
client enterprise confirms a case, certificate downloads are permission-checked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from providers.models import CaseConfirmation, Listing, ProfileVersion
from providers.profiles import services
from tests.factories.portal import EnterpriseFactory, MembershipFactory
from tests.factories.providers import profile_document, published_profile, submitted_profile

pytestmark = pytest.mark.django_db
S = ProfileVersion.Status
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def url(name, *args):
    return reverse(f"providers:{name}", args=args)


def test_owner_fills_a_section_and_sees_problems_at_the_field(login, provider, provider_owner):
    client = login(provider_owner)
    assert client.get(url("profile-mine")).status_code == 302
    page = client.get(url("profile", provider.pk))
    assert page.status_code == 200 and "我的能力档案" in page.content.decode()
    response = client.post(url("profile-start", provider.pk))
    assert response.status_code == 302 and response["Location"].endswith("/edit/facts/")
    page = client.get(url("profile-section", provider.pk, "apps"))
    assert page.status_code == 200
    response = client.post(url("profile-section", provider.pk, "apps"), {
        "edit_version": "0", "rows": "1", "r0-key": "", "r0-name": "轻量MES", "r0-category": "production",
        "r0-deployment": "saas", "r0-price_model": "", "r0-clients": "abc"})
    assert response.status_code == 302
    draft = ProfileVersion.objects.get(provider=provider)
    app = draft.document["apps"][0]
    assert app["name"] == "轻量MES" and app["key"] and draft.edit_version == 1
    page = client.get(url("profile-section", provider.pk, "apps")).content.decode()
    assert "请输入数字" in page or "enter a number" in page


def test_stale_section_save_answers_409_and_keeps_the_typing(login, provider, provider_owner):
    client = login(provider_owner)
    draft = services.start_draft(provider=provider, actor=provider_owner)
    services.save_section(version=draft, section="new_tech", data=["ai"], edit_version=0, actor=provider_owner)
    response = client.post(url("profile-section", provider.pk, "new_tech"), {"edit_version": "0", "new_tech": ["5g"]})
    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.document["new_tech"] == ["ai"]


def test_viewer_reads_but_cannot_edit_and_outsiders_get_404(login, provider, provider_owner, provider_viewer,
                                                            other_provider_owner, other_district_staff,
                                                            district_staff):
    version = published_profile(provider, actor=provider_owner)
    client = login(provider_viewer)
    assert client.get(url("profile", provider.pk)).status_code == 200
    assert client.post(url("profile-start", provider.pk)).status_code == 403
    assert client.get(url("profile-section", provider.pk, "facts")).status_code == 403
    for user in (other_provider_owner, other_district_staff):
        client = login(user)
        assert client.get(url("profile", provider.pk)).status_code == 404
        assert client.get(url("profile-version", version.pk)).status_code == 404
        assert client.get(url("profile-review", version.pk)).status_code == 404
    client = login(district_staff)
    assert client.get(url("profile", provider.pk)).status_code == 200


def test_a_published_version_cannot_be_edited_from_the_web(login, provider, provider_owner):
    published_profile(provider, actor=provider_owner)
    client = login(provider_owner)
    response = client.post(url("profile-section", provider.pk, "new_tech"), {"edit_version": "0", "new_tech": ["5g"]})
    assert response.status_code == 302  # back to the profile with the explanation; nothing changed
    assert ProfileVersion.objects.get(provider=provider).document["new_tech"] == ["ai", "5g"]


def test_submit_page_lists_problems_then_staff_approve_and_the_listing_appears(login, provider, provider_owner,
                                                                               district_staff):
    client = login(provider_owner)
    client.post(url("profile-start", provider.pk))
    response = client.post(url("profile-submit", provider.pk), {"reason": "", "edit_version": "0"})
    assert response.status_code == 422
    ProfileVersion.objects.filter(provider=provider).update(document=profile_document())
    response = client.post(url("profile-submit", provider.pk), {"reason": "首次提交"})
    assert response.status_code == 302
    version = ProfileVersion.objects.get(provider=provider)
    assert version.status == S.SUBMITTED
    client = login(district_staff)
    queue = client.get(url("profile-review-queue")).content.decode()
    assert provider.name in queue
    page = client.get(url("profile-review", version.pk))
    assert page.status_code == 200 and "轻量化MES" in page.content.decode()
    response = client.post(url("profile-review", version.pk), {"decision": "approve", "note": "",
                                                               "edit_version": str(version.edit_version)})
    assert response.status_code == 302
    assert Listing.objects.get(provider=provider).version_id == version.pk
    response = client.post(url("profile-review", version.pk), {"decision": "approve", "note": "",
                                                               "edit_version": str(version.edit_version)})
    assert response.status_code == 409


def test_other_district_staff_cannot_decide(login, provider, provider_owner, other_district_staff):
    version = submitted_profile(provider, provider_owner)
    client = login(other_district_staff)
    assert client.post(url("profile-review", version.pk), {"decision": "approve"}).status_code == 404
    assert url("profile-review", version.pk) not in client.get(url("profile-review-queue")).content.decode()


def test_expired_certificate_is_refused_at_submit(login, provider, provider_owner):
    document = profile_document()
    document["qualifications"][0]["expires"] = "2021-06-30"
    client = login(provider_owner)
    client.post(url("profile-start", provider.pk))
    ProfileVersion.objects.filter(provider=provider).update(document=document)
    response = client.post(url("profile-submit", provider.pk), {"reason": "x"})
    assert response.status_code == 422 and "2021-06-30" in response.content.decode()


def test_nul_bytes_answer_400(login, provider, provider_owner):
    client = login(provider_owner)
    client.post(url("profile-start", provider.pk))
    # The section form posts urlencoded (no file): the NUL byte is refused before the view runs.
    response = client.post(url("profile-section", provider.pk, "facts"), "edit_version=0&summary=a%00b",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    # A multipart post reaches the service, which refuses it as bad input (never a database error).
    response = client.post(url("profile-section", provider.pk, "facts"), {"edit_version": "0", "summary": "a\x00b"})
    assert response.status_code == 422
    assert ProfileVersion.objects.get(provider=provider).edit_version == 0


def test_certificate_upload_and_download_are_scoped(login, provider, provider_owner, provider_viewer,
                                                    district_staff, other_district_staff):
    client = login(provider_owner)
    client.post(url("profile-document-upload", provider.pk), {"file": SimpleUploadedFile("资质.pdf", PDF)})
    document = provider.documents.get()
    disguised = SimpleUploadedFile("x.pdf", b"<svg onload=alert(1)></svg>")
    response = client.post(url("profile-document-upload", provider.pk), {"file": disguised}, follow=True)
    assert provider.documents.count() == 1 and "SVG" in response.content.decode()
    for user in (provider_viewer, district_staff):
        response = login(user).get(url("profile-document", document.pk))
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PDF
        for close in response._resource_closers:  # the file, without firing request_finished
            close()
    assert login(other_district_staff).get(url("profile-document", document.pk)).status_code == 404
    assert login(provider_viewer).post(url("profile-document-upload", provider.pk),
                                       {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 403


def test_client_enterprise_confirms_a_case(login, provider, provider_owner, district_staff):
    enterprise = EnterpriseFactory()
    editor = MembershipFactory(enterprise=enterprise, role="editor").user
    stranger = MembershipFactory(enterprise=EnterpriseFactory(), role="owner").user
    document = profile_document()
    document["cases"][0]["client_uscc"] = enterprise.uscc
    version = submitted_profile(provider, provider_owner, document=document)
    services.approve(version=version, staff=district_staff)
    confirmation = CaseConfirmation.objects.get()
    assert login(stranger).post(url("profile-case-decide", confirmation.pk), {"decision": "confirm"}).status_code == 404
    client = login(editor)
    page = client.get(url("profile-cases")).content.decode()
    assert provider.name in page and "SMT车间设备联网与MES" in page
    assert client.post(url("profile-case-decide", confirmation.pk), {"decision": "confirm"}).status_code == 302
    assert Listing.objects.get(provider=provider).verified_case_count == 1


# --- autosave (HTMX) -----------------------------------------------------------------------------------

HX = {"HTTP_HX_REQUEST": "true"}


def test_autosave_answers_the_status_line_with_the_new_version_and_the_new_entrys_key(login, provider,
                                                                                     provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    client = login(provider_owner)
    response = client.post(url("profile-section", provider.pk, "apps"), {
        "edit_version": "0", "rows": "2", "r0-key": "", "r0-name": "", "r1-key": "", "r1-name": "轻量MES",
        "r1-clients": "abc"}, **HX)
    assert response.status_code == 200
    page = response.content.decode()
    draft.refresh_from_db()
    key = draft.document["apps"][0]["key"]
    assert draft.edit_version == 1 and draft.document["apps"][0]["name"] == "轻量MES"
    assert 'id="save-status"' in page and ("已保存" in page or "Saved " in page)
    assert 'id="edit-version" value="1" hx-swap-oob="true"' in page
    # The entry typed in the form's second row keeps its new key there, so the next save updates it.
    assert f'id="id_r1-key" value="{key}" hx-swap-oob="true"' in page
    # The field's problem is shown at that field (translated), the other slots are cleared.
    slot = page.split('id="err-r1-clients"')[1].split("</div>")[0]
    assert "请输入数字" in slot or "enter a number" in slot
    assert 'id="err-r0-clients" hx-swap-oob="true"></div>' in page
    assert "<input type=\"text\"" not in page  # no input is ever replaced


def test_autosave_with_a_stale_version_answers_409_and_keeps_the_page_version(login, provider, provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    services.save_section(version=draft, section="new_tech", data=["ai"], edit_version=0, actor=provider_owner)
    client = login(provider_owner)
    response = client.post(url("profile-section", provider.pk, "new_tech"),
                           {"edit_version": "0", "new_tech": ["5g"]}, **HX)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'class="save-status conflict"' in page
    assert 'name="overwrite_version" value="1"' in page  # "keep what I typed" saves over version 1
    assert 'id="edit-version"' not in page  # later autosaves stay refused until the user chooses
    draft.refresh_from_db()
    assert draft.document["new_tech"] == ["ai"] and draft.edit_version == 1
    # Keeping the typing: the plain post with the version the conflict named.
    response = client.post(url("profile-section", provider.pk, "new_tech"),
                           {"edit_version": "0", "overwrite_version": "1", "new_tech": ["5g"]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.document["new_tech"] == ["5g"]


def test_autosave_of_a_refused_value_answers_422_with_the_message_at_the_field(login, provider, provider_owner):
    draft = services.start_draft(provider=provider, actor=provider_owner)
    client = login(provider_owner)
    response = client.post(url("profile-section", provider.pk, "facts"), {
        "edit_version": "0", "summary": "ok", "website": "a\x00b", "contacts": "1"}, **HX)
    assert response.status_code == 422
    page = response.content.decode()
    slot = page.split('id="err-website"')[1].split("</div>")[0]
    assert "不允许" in slot or "not allowed" in slot
    assert 'id="err-summary" hx-swap-oob="true"></div>' in page
    assert 'class="save-status invalid"' in page and 'id="edit-version"' not in page
    draft.refresh_from_db()
    assert draft.edit_version == 0 and draft.document == {}


def test_the_section_page_wires_autosave_without_inline_script(login, provider, provider_owner):
    services.start_draft(provider=provider, actor=provider_owner)
    page = login(provider_owner).get(url("profile-section", provider.pk, "cases")).content.decode()
    assert 'hx-post="' in page and 'id="save-status"' in page and "js/profile-editor.js" in page
    assert 'id="edit-version"' in page and 'id="err-r0-client_name"' in page
    assert "<script>" not in page
