"""Enterprise pages: the open programmes, a new draft, the application page (edit, attachments,
submit with declarations, withdraw, status and timeline) and attachment downloads.

Access: 404 outside the user's scope (portal.access), 403 in scope without write rights. A refused
action shows the page again with the reason: 422 for invalid input, 409 when the row moved on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_for_user
from portal.audit import audit_staff_read
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.files import ACCEPT, StoredFileUnavailable, download_response
from portal.roles import is_bureau_staff, is_expert
from subsidies import transitions, workflow
from subsidies.applications import selectors, services
from subsidies.models import Application, ApplicationFile, ProgrammeVersion
from subsidies.review import selectors as review_selectors
from subsidies.review import services as review_services


def declaration_labels() -> list[tuple[str, str]]:
    texts = {
        "truthful": _("The information and documents are true, complete and my own enterprise's."),
        "no_double_funding": _("This project has received no other public funding for the same costs."),
        "not_filed_by_provider": _("This application is filed by the enterprise itself, not by its service "
                                   "provider."),
    }
    return [(code, texts[code]) for code in workflow.DECLARATIONS]


def _values(post) -> dict:
    values = {key: post.get(key, "") for key in ("project_title", "description", "declared_investment",
                                                  *services.FIGURE_KEYS)}
    return values


@login_required
@require_GET
def mine(request):
    if is_bureau_staff(request.user):
        return redirect("subsidies:review-queue")
    if is_expert(request.user):
        return redirect("subsidies:review-tasks")
    enterprises = list(selectors.my_enterprises(request.user))
    offers = []
    for enterprise in enterprises:
        for version in selectors.open_versions(enterprise):
            offers.append((enterprise, version))
    return render(request, "subsidies/applications/mine.html", {
        "applications": selectors.my_applications(request.user), "offers": offers})


def action_labels() -> dict[str, str]:
    return {"create": _("Draft created"), "submit": _("Submitted"), "withdraw": _("Withdrawn"),
            "check_pass": _("Form check passed"), "check_return": _("Returned for completion"),
            "check_reject": _("Rejected at the form check"), "review_close": _("Expert review closed"),
            "audit": _("Special audit recorded"), "publish_notice": _("Public notice published"),
            "resolve_objection": _("Objection resolved"), "approve": _("Approved"), "reject": _("Rejected"),
            "pay": _("Paid"), "evaluate": _("Performance evaluated")}


def _timeline(application):
    labels, statuses = action_labels(), dict(Application.Status.choices)
    events = selectors.timeline(application)
    for event in events:
        event.label = labels.get(event.action, event.action)
        event.to_label = statuses.get(event.to_status, event.to_status)
    return events


def figure_labels() -> dict[str, str]:
    return {"price": _("Service price (yuan, vouchers)"), "interest": _("Interest paid (yuan, interest subsidy)"),
            "level": _("Certified level (level-based reward)"), "contract_number": _("Contract number"),
            "invoice_number": _("Invoice number")}


def _page(request, application, *, status=200):
    kind = transitions.actor_kind(request.user, application)
    allowed = workflow.allowed_actions(application.status, kind)
    return render(request, "subsidies/applications/detail.html", {
        "application": application, "timeline": _timeline(application),
        "figures": [(figure_labels().get(k, k), v) for k, v in (application.figures or {}).items()],
        "edit_values": {"project_title": application.project_title, "description": application.description,
                        "declared_investment": application.declared_investment, **(application.figures or {})},
        "expert_pool": review_selectors.expert_pool(application) if "assign_expert" in allowed else (),
        "files": list(application.files.all()), "allowed": allowed, "accept": ACCEPT,
        "kinds": ApplicationFile.Kind.choices, "declarations": declaration_labels(),
        "editable": application.status in workflow.EDITABLE and "edit" in allowed,
        "chain": [(s, Application.Status(s).label, workflow.CHAIN.index(s) <= workflow.CHAIN.index(application.status)
                   if application.status in workflow.CHAIN else False) for s in workflow.CHAIN],
        "objections": application.objections.all() if kind == workflow.STAFF else [],
        "blockers": review_services.decision_blockers(application) if kind == workflow.STAFF
        and application.status == workflow.IN_NOTICE else (),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def create(request, version_pk):
    version = get_object_or_404(ProgrammeVersion.objects.select_related("programme__region"), pk=version_pk,
                                status=ProgrammeVersion.Status.PUBLISHED)
    enterprises = list(selectors.my_enterprises(request.user))
    if not enterprises:
        raise PermissionDenied
    enterprise = enterprises[0]
    if request.method == "POST":
        chosen = request.POST.get("enterprise", "")
        enterprise = next((e for e in enterprises if str(e.pk) == chosen), None)
        if enterprise is None:
            messages.error(request, _("Choose one of your enterprises."))
            status = 422
        else:
            try:
                application = services.create_draft(version=version, enterprise=enterprise, actor=request.user,
                                                     values=_values(request.POST), request=request)
            except Forbidden:
                raise PermissionDenied from None
            except DomainError as exc:
                messages.error(request, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Draft %(reference)s created. Attach the documents and submit it.")
                                 % {"reference": application.reference})
                return redirect("subsidies:application", application.pk)
    else:
        status = 200
        blockers = services.filing_blockers(version, enterprise)
        if blockers:
            messages.warning(request, services.filing_message(blockers[0]))
    return render(request, "subsidies/applications/create.html", {
        "version": version, "enterprises": enterprises, "values": request.POST or {}}, status=status)


@login_required
@require_GET
def detail(request, pk):
    application = get_for_user(Application.objects.select_related("version__programme", "enterprise", "region"),
                               pk, user=request.user, request=request)
    audit_staff_read(request, application)
    return _page(request, application)


def _act(request, pk, perform, done: str, *, write=True):
    application = get_for_user(Application.objects.select_related("version__programme", "enterprise", "region"),
                               pk, user=request.user, write=write, request=request)
    try:
        perform(application)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        application.refresh_from_db()
        return _page(request, application, status=status_for(exc))
    messages.success(request, done)
    return redirect("subsidies:application", application.pk)


@login_required
@require_POST
def edit(request, pk):
    return _act(request, pk, lambda a: services.update(
        application=a, actor=request.user, values=_values(request.POST),
        expected_version=request.POST.get("state_version"), request=request), _("Saved."))


@login_required
@require_POST
def attach(request, pk):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("subsidies:application", pk)
    return _act(request, pk, lambda a: services.attach(application=a, actor=request.user, upload=upload,
                                                       kind=request.POST.get("kind", ""), request=request),
                _("File attached."))


@login_required
@require_POST
def submit(request, pk):
    declarations = {code: request.POST.get(code) == "on" for code in workflow.DECLARATIONS}
    return _act(request, pk, lambda a: services.submit(
        application=a, actor=request.user, declarations=declarations,
        expected_version=request.POST.get("state_version"), request=request),
        _("Submitted. The bureau checks the application's completeness first (形式审查)."))


@login_required
@require_POST
def withdraw(request, pk):
    return _act(request, pk, lambda a: services.withdraw(
        application=a, actor=request.user, expected_version=request.POST.get("state_version"), request=request),
        _("The application is withdrawn."))


@login_required
@require_GET
def file_download(request, pk):
    document = get_object_or_404(ApplicationFile.objects.select_related("application"), pk=pk)
    get_for_user(Application.objects.all(), document.application_id, user=request.user, request=request)
    try:
        handle = services.open_attachment(document=document, actor=request.user, request=request)
    except StoredFileUnavailable as exc:
        return render(request, "400.html", {"message": exc.message}, status=status_for(exc))
    return download_response(handle, filename=document.original_name, content_type=document.content_type)

