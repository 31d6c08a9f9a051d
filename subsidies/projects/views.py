"""Project pages: the list, filing (项目备案), one project with the acceptance request (enterprise)
and the decision (staff), and the staff's points-per-yuan table with its Excel export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.models import Assessment
from diagnosis.spec import load_all_specs
from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.exports import xlsx_response
from portal.models import Enterprise, OrgStatus, Provider
from portal.permissions import can_write_for
from portal.roles import WRITE_ROLES, is_bureau_staff
from subsidies.projects import forms, selectors, services
from subsidies.projects.exports import points_per_yuan_export
from subsidies.projects.models import Project
from subsidies.projects.outcomes import GROUPINGS


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _title(node) -> str:
    return node.title_en if (get_language() or "").startswith("en") and node.title_en else node.title


def _specs() -> dict:
    """{code: latest spec} of every released standard."""
    latest = {}
    for spec in load_all_specs().values():
        if spec.code not in latest or spec.version > latest[spec.code].version:
            latest[spec.code] = spec
    return latest


def _dimension_choices(spec) -> list[tuple[str, str]]:
    out = []
    stack = [(d, 0) for d in reversed(spec.dimensions)]
    while stack:
        node, depth = stack.pop()
        out.append((node.code, ("— " * depth) + _title(node)))
        stack.extend((c, depth + 1) for c in reversed(node.children))
    return out


@login_required
@require_GET
def project_list(request):
    writable = Enterprise.objects.filter(memberships__user=request.user, memberships__role__in=WRITE_ROLES) \
        .exists() if not request.user.staff_role else False
    return render(request, "subsidies/projects/list.html", {
        "projects": selectors.projects_for(request.user)[:500], "can_file": writable,
        "is_staff": is_bureau_staff(request.user),
        "is_provider": not request.user.staff_role and request.user.memberships.filter(provider__isnull=False).exists()})


@login_required
@require_http_methods(["GET", "POST"])
def project_file(request):
    enterprises = list(Enterprise.objects.filter(memberships__user=request.user, memberships__role__in=WRITE_ROLES)
                       .distinct()) if not request.user.staff_role else []
    if not enterprises:
        raise PermissionDenied
    enterprise = next((e for e in enterprises if str(e.pk) == request.GET.get("enterprise")), enterprises[0])
    specs = _specs()
    spec = specs.get(request.GET.get("spec", ""))
    if spec is None:  # open on the standard of the enterprise's latest scored diagnosis: it has a baseline
        latest = (Assessment.objects.filter(enterprise=enterprise, status__in=services.SCORED, result__isnull=False)
                  .order_by("-submitted_at", "-pk").values_list("spec_code", flat=True).first())
        spec = specs.get(latest or "")
    spec = spec or specs.get("sme-2024") or next(iter(specs.values()))
    form = forms.FileProjectForm(
        request.POST or None,
        providers=Provider.objects.filter(status=OrgStatus.VERIFIED).order_by("name")[:500],
        specs=[(spec.code, _title(spec))], dimensions=_dimension_choices(spec))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                project = services.file_project(enterprise=enterprise, actor=request.user, values=form.cleaned_data,
                                                request=request)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("The project is filed under number %(number)s.")
                                 % {"number": project.filing_number})
                return redirect("projects:detail", pk=project.pk)
        else:
            messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
            status = 422
    return render(request, "subsidies/projects/file.html", {
        "form": form, "enterprise": enterprise, "enterprises": enterprises, "spec": spec,
        "specs": [(code, _title(s)) for code, s in sorted(specs.items())],
        "baseline": services.baseline_for(enterprise, spec.code)}, status=status)


def _standard_labels(project) -> tuple[str, list[str]]:
    """The standard's title and the targeted dimensions' titles, in place of their codes."""
    spec = _specs().get(project.spec_code)
    if spec is None:
        return project.spec_code, list(project.target_dimensions)
    names = {code: label.lstrip("— ") for code, label in _dimension_choices(spec)}
    return _title(spec), [names.get(code, code) for code in project.target_dimensions]


def _detail_page(request, project, *, status=200, request_form=None, decide_form=None):
    owner_side = not request.user.staff_role and can_write_for(request.user, project.enterprise)
    staff_side = is_bureau_staff(request.user) and Project.objects.writable_by(request.user).filter(
        pk=project.pk).exists()
    standard_title, dimension_titles = _standard_labels(project)
    follow_ups = [(str(a.pk), f"{standard_title} · {a.submitted_at:%Y-%m-%d}")
                  for a in Assessment.objects.filter(enterprise=project.enterprise, spec_code=project.spec_code,
                                                     status__in=services.SCORED, submitted_at__gt=project.filed_at)
                  .order_by("-submitted_at")] if owner_side else []
    return render(request, "subsidies/projects/detail.html", {
        "project": project, "files": project.files.all(), "owner_side": owner_side, "staff_side": staff_side,
        "request_form": request_form or forms.AcceptanceRequestForm(
            initial={"state_version": project.state_version}, follow_ups=follow_ups),
        "decide_form": decide_form or forms.DecideForm(initial={"state_version": project.state_version}),
        "has_follow_ups": bool(follow_ups), "standard_title": standard_title,
        "dimension_titles": dimension_titles}, status=status)


def _project(request, pk, write=False):
    return get_for_user(Project.objects.select_related("enterprise", "provider", "region", "baseline", "follow_up"),
                        pk, user=request.user, write=write, request=request)


@login_required
@require_GET
def project_detail(request, pk):
    return _detail_page(request, _project(request, pk))


@login_required
@require_POST
def project_request_acceptance(request, pk):
    project = _project(request, pk, write=True)
    choices = [(str(a.pk), "") for a in Assessment.objects.filter(enterprise=project.enterprise)]
    form = forms.AcceptanceRequestForm(request.POST, request.FILES, follow_ups=choices)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
        return _detail_page(request, project, status=422)
    try:
        services.request_acceptance(project=project, actor=request.user, follow_up_id=form.cleaned_data["follow_up"],
                                    files=form.cleaned_data["evidence"], request=request,
                                    expected_version=form.cleaned_data["state_version"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, _project(request, pk), status=status_for(exc))
    messages.success(request, _("Acceptance is requested; the bureau will check the evidence."))
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def project_decide(request, pk):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    project = _project(request, pk, write=True)
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
        return _detail_page(request, project, status=422)
    try:
        services.decide_acceptance(project=project, actor=request.user, accept=form.cleaned_data["outcome"] == "accept",
                                   note=form.cleaned_data["note"], request=request,
                                   expected_version=form.cleaned_data["state_version"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, _project(request, pk), status=status_for(exc))
    messages.success(request, _("The decision is recorded."))
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_GET
def points_per_yuan(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    data = selectors.points_per_yuan(request.user)
    titles = {"programme": _("By programme"), "district": _("By district"), "provider": _("By service provider")}
    return render(request, "subsidies/projects/points_per_yuan.html", {
        "overall": data["overall"], "tables": [(g, titles[g], rows) for g, rows in data["tables"]]})


@login_required
@require_GET
def points_per_yuan_xlsx(request, grouping):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    if grouping not in GROUPINGS:
        raise Http404
    content = points_per_yuan_export(actor=request.user, grouping=grouping, request=request)
    return xlsx_response(content, f"points-per-yuan-{grouping}")
