"""The audit administrator's pages: the trail with filters, its Excel export and the hash-chain
check. Reading, exporting and verifying are themselves audited (R5, R22)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.audit import audit_log, verify_chain
from portal.auditlog.forms import AuditFilterForm
from portal.auditlog.labels import action_label, object_label, role_label
from portal.auditlog.selectors import events
from portal.exports import XLSX_CONTENT_TYPE, table_workbook
from portal.models import RecordHistory
from portal.roles import is_audit_admin

PAGE_SIZE = 100
EXPORT_MAX_ROWS = 50_000


def _audit_admin_only(request) -> None:
    if not is_audit_admin(request.user):
        raise PermissionDenied


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, filters


def _rows(page):
    for event in page:
        yield {
            "event": event, "action_label": action_label(event.action), "role_label": role_label(event.actor_role),
            "object_label": object_label(event.object_type, event.object_id),
        }


@login_required
@require_GET
def audit_log_view(request):
    _audit_admin_only(request)
    form, filters = _filtered(request)
    page = Paginator(events(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    # Read the page before recording the read: the page was counted already, and the new event
    # would otherwise push the oldest row of the page off it.
    rows = list(_rows(page))
    audit_log(action="audit.read", request=request,
              detail={**{k: str(v) for k, v in filters.items() if v}, "page": page.number})
    return render(request, "portal/audit_log.html", {"form": form, "page": page, "rows": rows})


@login_required
@require_GET
def audit_export(request):
    _audit_admin_only(request)
    form, filters = _filtered(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filter before exporting."))
        return redirect("portal:audit-log")
    queryset = events(filters)[:EXPORT_MAX_ROWS]
    now = timezone.now()
    columns = [(_("Time"), 20), (_("User"), 16), (_("Role"), 16), (_("Action"), 24), (_("Action code"), 26),
               (_("Object"), 24), (_("Outcome"), 10), ("IP", 16), (_("Event ID"), 10)]
    body = table_workbook(_("Audit trail"), columns, (
        (e.created_at, e.actor_username, role_label(e.actor_role), action_label(e.action), e.action,
         object_label(e.object_type, e.object_id), e.get_outcome_display(), e.ip or "", e.pk)
        for e in queryset.iterator()), exported_by=request.user, exported_at=now)
    audit_log(action="audit.export", request=request,
              detail={**{k: str(v) for k, v in filters.items() if v}, "max_rows": EXPORT_MAX_ROWS})
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx"'
    return response


@login_required
@require_POST
def audit_verify(request):
    _audit_admin_only(request)
    broken = verify_chain()
    audit_log(action="audit.verify", request=request, outcome="success" if broken is None else "failure",
              detail={"first_broken": broken})
    if broken is None:
        messages.success(request, _("The audit chain is intact: every event matches its hash and its predecessor."))
    else:
        messages.error(request, _("The audit chain is broken at event %(pk)s: that event or one before it has been "
                                  "altered or removed. Preserve the database and report it to the security "
                                  "administrator.") % {"pk": broken})
    return redirect("portal:audit-log")


@login_required
@require_GET
def record_history(request):
    """Before/after of every change to a tracked table (R24), newest first, for one table and
    optionally one row."""
    _audit_admin_only(request)
    table = request.GET.get("table", "").strip()[:64]
    row = request.GET.get("row", "").strip()[:64]
    rows = RecordHistory.objects.all()
    if table:
        rows = rows.filter(table_name=table)
    if row:
        rows = rows.filter(row_pk=row)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"row": r, "changes": r.changes()} for r in page]
    audit_log(action="audit.history_read", request=request, detail={"table": table, "row": row, "page": page.number})
    tables = RecordHistory.objects.order_by().values_list("table_name", flat=True).distinct()
    return render(request, "portal/audit_history.html", {
        "page": page, "entries": entries, "table": table, "row": row, "tables": sorted(tables)})
