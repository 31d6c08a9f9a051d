"""Programme pages. Staff (city and district bureau staff of the programme's region, through
``ProgrammeQuerySet.writable_by``): list, create, draft and edit versions, publish, close. Public
(anonymous): the open programmes and each one's rules in plain words.

Access: 404 for a programme outside the user's view (portal.access), 403 for a write without the
right. A refused action shows the page again with the reason: 422 for invalid input (nothing is
saved), 409 when the programme moved on meanwhile (a second publish, a stale page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.roles import is_bureau_staff
from subsidies.applications.selectors import my_enterprises, open_versions
from subsidies.models import Programme, ProgrammeVersion
from subsidies.programmes import forms, selectors, services


def _staff_only(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied


def _programme(request, pk, *, write=False) -> Programme:
    _staff_only(request)
    return get_for_user(Programme.objects.select_related("region"), pk, user=request.user, write=write,
                        request=request)


def _version(request, pk, *, write=False) -> ProgrammeVersion:
    _staff_only(request)
    try:
        version = ProgrammeVersion.objects.select_related("programme", "programme__region").get(pk=int(pk))
    except (ProgrammeVersion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    _programme(request, version.programme_id, write=write)
    return version


def _can_write(user, programme) -> bool:
    return Programme.objects.writable_by(user).filter(pk=programme.pk).exists()


# ─── public ──────────────────────────────────────────────────────────────────────────────────


@require_GET
def public_list(request):
    rows = [{"version": v, "rules": selectors.rules_in_words(v)} for v in selectors.open_versions()]
    return render(request, "subsidies/programmes/public_list.html", {"rows": rows})


@require_GET
def public_detail(request, code):
    version = selectors.public_version(code)
    if version is None:
        raise Http404
    # The signed-in enterprise member whose enterprise this version is open to gets the way to apply.
    can_apply = any(open_versions(e).filter(pk=version.pk).exists() for e in my_enterprises(request.user))
    return render(request, "subsidies/programmes/public_detail.html",
                  {"version": version, "programme": version.programme, "rules": selectors.rules_in_words(version),
                   "lines": version.budget_lines.select_related("region").order_by("region__code"),
                   "can_apply": can_apply})


# ─── staff ───────────────────────────────────────────────────────────────────────────────────


@login_required
@require_GET
def manage(request):
    _staff_only(request)
    programmes = list(selectors.staff_programmes(request.user))
    writable = set(Programme.objects.writable_by(request.user).values_list("pk", flat=True))
    for programme in programmes:
        programme.can_write = programme.pk in writable
        programme.published = next((v for v in programme.versions.all() if v.status == "published"), None)
    return render(request, "subsidies/programmes/manage.html", {"programmes": programmes})


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    _staff_only(request)
    form = forms.ProgrammeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                programme = services.programme_create(actor=request.user, values=form.cleaned_data, request=request)
            except Forbidden:
                raise PermissionDenied from None
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Programme created. Now draft its first version."))
                return redirect("subsidies:programme-version-new", programme.pk)
        else:
            status = 422
    return render(request, "subsidies/programmes/programme_form.html", {"form": form}, status=status)


@login_required
@require_GET
def programme_detail(request, pk):
    programme = _programme(request, pk)
    versions = list(selectors.versions_of(programme))
    current = next((v for v in versions if v.status == ProgrammeVersion.Status.PUBLISHED), None)
    for version in versions:
        version.rules = selectors.rules_in_words(version)
        version.token = services.state_token(version)
    return render(request, "subsidies/programmes/programme_detail.html", {
        "programme": programme, "versions": versions, "current": current,
        "can_write": _can_write(request.user, programme)})


def _version_page(request, programme, form, *, version=None, status=200, token=None):
    if version is not None and token is None:
        token = services.state_token(ProgrammeVersion.objects.get(pk=version.pk))
    return render(request, "subsidies/programmes/version_form.html",
                  {"programme": programme, "form": form, "version": version, "state_token": token}, status=status)


def _save_version(request, programme, *, version=None):
    form = forms.VersionForm(request.POST, programme=programme)
    token = request.POST.get("expected_state", "")[:64]
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: check the fields marked below."))
        return _version_page(request, programme, form, version=version, status=422, token=token)
    try:
        if version is None:
            version = services.version_draft(actor=request.user, programme=programme, values=form.cleaned_data,
                                             request=request)
        else:
            version = services.version_update(actor=request.user, version=version, values=form.cleaned_data,
                                              expected_state=token, request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _version_page(request, programme, form, version=version, status=status_for(exc), token=token)
    messages.success(request, _("Draft version %(number)s saved. Publish it when it is ready.") % {
        "number": version.number})
    return redirect("subsidies:programme-detail", programme.pk)


@login_required
@require_http_methods(["GET", "POST"])
def version_new(request, pk):
    programme = _programme(request, pk, write=True)
    if request.method == "POST":
        return _save_version(request, programme)
    latest = programme.versions.order_by("-number").first()
    return _version_page(request, programme, forms.VersionForm(initial=forms.version_initial(latest),
                                                               programme=programme))


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request, pk):
    version = _version(request, pk, write=True)
    programme = version.programme
    if version.status != ProgrammeVersion.Status.DRAFT:
        messages.error(request, _("Only a draft can be changed; draft a new version instead."))
        return redirect("subsidies:programme-detail", programme.pk)
    if request.method == "POST":
        return _save_version(request, programme, version=version)
    return _version_page(request, programme, forms.VersionForm(initial=forms.version_initial(version),
                                                               programme=programme), version=version)


def _action(request, version, perform, done):
    try:
        perform()
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        programme = version.programme
        versions = list(selectors.versions_of(programme))
        for v in versions:
            v.rules = selectors.rules_in_words(v)
            v.token = services.state_token(v)
        current = next((v for v in versions if v.status == ProgrammeVersion.Status.PUBLISHED), None)
        return render(request, "subsidies/programmes/programme_detail.html", {
            "programme": programme, "versions": versions, "current": current,
            "can_write": _can_write(request.user, programme)}, status=status_for(exc))
    messages.success(request, done)
    return redirect(reverse("subsidies:programme-detail", args=[version.programme_id]))


@login_required
@require_POST
def version_publish(request, pk):
    version = _version(request, pk, write=True)
    raw = request.POST.get("expected_current", "")
    expected = int(raw) if raw.isdigit() and len(raw) < 12 else None
    return _action(request, version,
                   lambda: services.version_publish(actor=request.user, version=version, expected_current=expected,
                                                    expected_state=request.POST.get("expected_state", "")[:64],
                                                    request=request),
                   _("Version %(number)s is published; the previous version is superseded.") % {
                       "number": version.number})


@login_required
@require_POST
def version_close(request, pk):
    version = _version(request, pk, write=True)
    return _action(request, version, lambda: services.version_close(actor=request.user, version=version,
                                                                    request=request),
                   _("Version %(number)s is closed.") % {"number": version.number})
