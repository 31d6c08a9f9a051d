"""Pages of the profiles feature: the provider's "我的能力档案" (per-section editing with an edit
version, certificate files, submit and withdraw, history), the bureau's approval queue and review
page, and the client enterprise's case confirmations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_for_user
from portal.audit import audit_staff_read
from portal.errors import status_for
from portal.exceptions import Conflict, DomainError
from portal.files import ACCEPT, MB, StoredFileUnavailable, download_response
from portal.models import Provider
from portal.permissions import can_write_for
from portal.roles import is_bureau_staff
from providers.models import ProfileVersion, ProviderDocument
from providers.profiles import forms, selectors, services
from providers.profiles.document import SECTIONS
from providers.profiles.errors import problem_dicts, section_label

S = ProfileVersion.Status


def _provider(request, pk, *, write=False) -> Provider:
    return get_for_user(Provider.objects.select_related("region"), pk, user=request.user, write=write,
                        request=request)


def _version(request, pk) -> ProfileVersion:
    return get_for_user(ProfileVersion.objects.select_related("provider__region", "base", "decided_by"), pk,
                        user=request.user, request=request)


def _choices(provider, document):
    return forms.choices_for(document or {}, ProviderDocument.objects.filter(provider=provider))


@login_required
def my_profiles(request):
    """"我的能力档案": straight to the profile when the user belongs to one provider."""
    mine = selectors.providers_of(request.user)
    if len(mine) == 1:
        return redirect("providers:profile", provider_pk=mine[0][0].pk)
    if not mine:
        raise PermissionDenied
    return render(request, "providers/profiles/choose.html", {"providers": mine})


@login_required
@require_GET
def profile(request, provider_pk):
    provider = _provider(request, provider_pk)
    audit_staff_read(request, provider)
    state = selectors.profile_state(provider)
    current = state.current
    document = current.document if current else {}
    can_edit = can_write_for(request.user, provider)
    problems = services.document_problems(current) if current and current.status == S.DRAFT else ()
    return render(request, "providers/profiles/profile.html", {
        "provider": provider, "state": state, "current": current, "can_edit": can_edit,
        "can_edit_sections": can_edit and current is not None and current.status == S.DRAFT,
        "sections": [(s, section_label(s)) for s in SECTIONS],
        "readable": forms.readable(document, _choices(provider, document)),
        "problems": problem_dicts(problems), "versions": selectors.versions_for(request.user, provider)[:50],
        "documents": ProviderDocument.objects.filter(provider=provider).select_related("uploaded_by"),
        "accept": ACCEPT, "max_mb": services.document_limits()["max_bytes"] // MB,
        "share_percent": int(state.completeness.share * 100),
        "missing": [section_label(s) for s in state.completeness.missing],
    })


@login_required
@require_POST
def start(request, provider_pk):
    provider = _provider(request, provider_pk, write=True)
    try:
        draft = services.start_draft(provider=provider, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("providers:profile", provider_pk=provider.pk)
    if draft.status == S.SUBMITTED:
        messages.info(request, _("A version is awaiting approval. Withdraw it first to edit it again."))
        return redirect("providers:profile", provider_pk=provider.pk)
    wanted = request.POST.get("section")
    return redirect("providers:profile-section", provider_pk=provider.pk,
                    section=wanted if wanted in SECTIONS else "facts")


@login_required
@require_http_methods(["GET", "POST"])
def section(request, provider_pk, section):
    if section not in SECTIONS:
        raise Http404
    provider = _provider(request, provider_pk, write=True)
    draft = ProfileVersion.objects.filter(provider=provider, status__in=ProfileVersion.OPEN).first()
    if draft is None or draft.status != S.DRAFT:
        messages.info(request, _("A published profile is never edited in place: start a change (a new draft) "
                                 "first.") if draft is None else
                      _("This version has been submitted for approval and cannot be edited. Withdraw it first "
                        "to edit it again."))
        return redirect("providers:profile", provider_pk=provider.pk)
    if request.method == "POST" and request.htmx:
        return _autosave(request, provider, draft, section)
    status, error, data, edit_version = 200, "", None, draft.edit_version
    if request.method == "POST":
        data = forms.data_from_post(section, request.POST)
        try:
            # "Keep what I typed" after an autosave conflict sends the version it was told about.
            result = services.save_section(version=draft, section=section, data=data,
                                           edit_version=request.POST.get("overwrite_version")
                                           or request.POST.get("edit_version"),
                                           actor=request.user, request=request)
        except DomainError as exc:
            status, error = status_for(exc), exc.message
            if isinstance(exc, Conflict):
                draft.refresh_from_db()
                # The form keeps what was typed; saving again replaces the other change in this section.
                edit_version = draft.edit_version
                error = exc.message + " " + _("What you typed is kept below: saving again replaces their "
                                              "version of this section.")
        else:
            if result.problems:
                messages.warning(request, _("Saved. Some entries still need attention before you can submit."))
            else:
                messages.success(request, _("Saved."))
            if request.POST.get("next") in SECTIONS:
                return redirect("providers:profile-section", provider_pk=provider.pk, section=request.POST["next"])
            return redirect("providers:profile-section", provider_pk=provider.pk, section=section)
    document = draft.document or {}
    stored = document.get(section)
    problems = () if error else tuple(p for p in services.document_problems(draft)
                                      if p.path == section or p.path.startswith(f"{section}."))
    index = SECTIONS.index(section)
    return render(request, "providers/profiles/section.html", {
        "provider": provider, "draft": draft, "section": section, "section_label": section_label(section),
        "help": forms.SECTION_HELP[section], "edit_version": edit_version, "error": error,
        "form": forms.section_form(section, data if data is not None else stored, problems,
                                   _choices(provider, document)),
        "sections": [(s, section_label(s)) for s in SECTIONS],
        "next_section": SECTIONS[index + 1] if index + 1 < len(SECTIONS) else "",
    }, status=status)


def _autosave(request, provider, draft, section):
    """HTMX autosave of one section (the form posts itself, debounced, on every change). Answers with
    the save-status line; out of band the new edit_version, the keys given to new entries and every
    field's message slot, so the inputs, and what is typed in them, are never replaced. A stale
    edit_version is 409 and leaves the page's version as it was (so later saves do not overwrite the
    other change either) until the user keeps their typing or loads the saved version; a refused
    value is 422 with the message at its field."""
    data, prefixes = forms.posted_section(section, request.POST)
    names = forms.posted_names(section, request.POST)
    status, state, by_name, general, keys, current = 200, {}, {}, [], [], draft.edit_version
    try:
        result = services.save_section(version=draft, section=section, data=data,
                                       edit_version=request.POST.get("edit_version", ""), actor=request.user,
                                       request=request)
    except Conflict as exc:
        draft.refresh_from_db()
        status, current = status_for(exc), draft.edit_version
        state = {"conflict": exc.message, "current": current}
    except DomainError as exc:
        status = status_for(exc)
        state = {"error": exc.message}
        if exc.code == "nul":
            by_name = {name: [exc.message] for name in names
                       if any("\x00" in v for v in request.POST.getlist(name))}
    else:
        current = result.version.edit_version
        by_name, general = forms.field_messages(section, prefixes, result.problems)
        saved = (result.version.document or {}).get(section)
        keys = [(p, e.get("key", "")) for p, e in zip(prefixes, saved or [], strict=False)
                if section != "facts" and isinstance(e, dict)]
        state = {"saved": result.version.updated_at, "problems": bool(result.problems)}
    return render(request, "providers/profiles/partials/autosave.html", {"entry_keys": keys,
        "provider": provider, "section": section, "state": state, "edit_version": current,
        "update_version": status == 200, "general": general, "update_general": status == 200,
        # Message slots are answered when the save says something about them (all of them after a
        # save, so fixed fields lose their old message); a conflict leaves them as they were.
        "slots": [(name, by_name.get(name, [])) for name in names] if status == 200 or by_name else [],
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, provider_pk):
    provider = _provider(request, provider_pk, write=True)
    draft = ProfileVersion.objects.filter(provider=provider, status=S.DRAFT).first()
    if draft is None:
        messages.info(request, _("There is no draft to submit."))
        return redirect("providers:profile", provider_pk=provider.pk)
    status, problems = 200, problem_dicts(services.document_problems(draft))
    if request.method == "POST":
        try:
            services.submit(version=draft, reason=request.POST.get("reason", ""), actor=request.user,
                            edit_version=request.POST.get("edit_version"), request=request)
        except services.ProfileInvalid as exc:
            status, problems = status_for(exc), problem_dicts(exc.problems)
            messages.error(request, exc.message)
        except DomainError as exc:
            status = status_for(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Submitted. Bureau staff will review the profile; you will see their "
                                        "decision here."))
            return redirect("providers:profile", provider_pk=provider.pk)
    return render(request, "providers/profiles/submit.html", {
        "provider": provider, "draft": draft, "problems": problems, "diff": selectors.review_diff(draft),
        "needs_reason": draft.base_id is not None,
    }, status=status)


@login_required
@require_POST
def withdraw(request, provider_pk):
    provider = _provider(request, provider_pk, write=True)
    version = ProfileVersion.objects.filter(provider=provider, status__in=ProfileVersion.OPEN).first()
    if version is None:
        raise Http404
    try:
        if version.status == S.SUBMITTED:
            services.withdraw(version=version, actor=request.user, request=request)
            messages.success(request, _("Withdrawn: the version is a draft again and can be edited."))
        else:
            services.discard_draft(version=version, actor=request.user, request=request)
            messages.success(request, _("The draft has been discarded; the published profile is unchanged."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("providers:profile", provider_pk=provider.pk)


@login_required
@require_POST
def document_upload(request, provider_pk):
    provider = _provider(request, provider_pk, write=True)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            document = services.upload_document(provider=provider, upload=upload, actor=request.user,
                                                request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("providers:profile", args=[provider.pk]) + "#documents")
        messages.success(request, _("Uploaded “%(name)s”: pick it in a qualification.") % {"name": document.original_name})
    return redirect(reverse("providers:profile", args=[provider.pk]) + "#documents")


@login_required
@require_GET
def document_download(request, pk):
    """Members of the provider and staff of its region (visible_to decides); no media URL exists."""
    document = get_for_user(ProviderDocument.objects.select_related("provider"), pk, user=request.user,
                            request=request)
    try:
        handle = services.open_document(document=document, actor=request.user, request=request)
    except StoredFileUnavailable as exc:
        return render(request, "400.html", {"message": exc.message}, status=status_for(exc))
    return download_response(handle, filename=document.original_name, content_type=document.content_type)


@login_required
@require_GET
def version(request, pk):
    version = _version(request, pk)
    audit_staff_read(request, version)
    return render(request, "providers/profiles/version.html", {
        "version": version, "provider": version.provider, "diff": selectors.review_diff(version),
        "readable": forms.readable(version.document, _choices(version.provider, version.document)),
    })


# --- staff ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    rows = [(v, selectors.age_days(v.submitted_at)) for v in selectors.pending_approvals(request.user)[:500]]
    return render(request, "providers/profiles/review_queue.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    version = _version(request, pk)
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    audit_staff_read(request, version)
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        kwargs = {"version": version, "staff": request.user, "note": request.POST.get("note", ""),
                  "expected_state": request.POST.get("edit_version"), "request": request}
        try:
            if decision == "approve":
                services.approve(**kwargs)
                messages.success(request, _("Approved: the profile is published in the directory."))
            elif decision == "reject":
                services.reject(**kwargs)
                messages.success(request, _("Returned to the provider with your note."))
            else:
                raise Http404
        except DomainError as exc:
            status = status_for(exc)
            messages.error(request, exc.message)
            version = _version(request, pk)
        else:
            return redirect("providers:profile-review-queue")
    return render(request, "providers/profiles/review.html", {
        "version": version, "provider": version.provider, "diff": selectors.review_diff(version),
        "readable": forms.readable(version.document, _choices(version.provider, version.document)),
        "can_decide": version.status == S.SUBMITTED and services.can_decide(request.user, version),
        "age": selectors.age_days(version.submitted_at),
        "documents": ProviderDocument.objects.filter(provider=version.provider),
    }, status=status)


# --- client enterprise ------------------------------------------------------------------------------------


@login_required
@require_GET
def cases(request):
    if request.user.staff_role:
        raise PermissionDenied
    rows = selectors.case_details(selectors.client_cases().visible_to(request.user).order_by("status", "-requested_at"))
    writable = set(selectors.client_cases().writable_by(request.user).values_list("pk", flat=True))
    return render(request, "providers/profiles/cases.html", {"rows": rows, "writable": writable})


@login_required
@require_POST
def case_decide(request, pk):
    confirmation = get_for_user(selectors.client_cases(), pk, user=request.user, write=True, request=request)
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.decide_case(confirmation=confirmation, confirm=confirm, actor=request.user,
                             note=request.POST.get("note", ""), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: the case is marked as confirmed.") if confirm
                         else _("The case is marked as not confirmed."))
    return redirect("providers:profile-cases")
