"""Staff and expert pages of the review chain: the queues per stage with filters, the stage actions
(posted from the application page), the expert's tasks and score sheet, and the budget consumption
per programme and district (plotly from static/vendor, the table beside it carries the figures)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.results.charts import plotly_js_static_path
from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.models import User
from portal.roles import is_bureau_staff, is_expert
from subsidies import workflow
from subsidies.applications.views import _page
from subsidies.models import Application, ExpertReview
from subsidies.review import selectors, services


def _staff_only(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied


def stage_labels() -> dict[str, str]:
    return {"form_check": _("Form check (形式审查)"), "expert_review": _("Expert review"),
            "audit": _("Special audit (专项审计)"), "decision": _("Public notice to publish"),
            "notice": _("In public notice (公示)"), "disbursement": _("Awaiting disbursement"),
            "evaluation": _("Performance evaluation")}


@login_required
@require_GET
def queue(request):
    _staff_only(request)
    stage = request.GET.get("stage", "form_check")
    version = request.GET.get("version", "")
    q = request.GET.get("q", "")
    district = request.GET.get("district", "")
    districts = list(selectors.districts_in_scope(request.user))
    counts = selectors.stage_counts(request.user)
    return render(request, "subsidies/review/queue.html", {
        "rows": selectors.queue(request.user, stage=stage, version=version, q=q, district=district)[:200],
        "district": district, "districts": districts if len(districts) > 1 else [],
        "stages": [(code, label, counts.get(code, 0)) for code, label in stage_labels().items()],
        "stage": stage, "version": version, "q": q, "versions": selectors.versions_in_scope(request.user)})


def _act(request, pk, perform, done: str):
    application = get_for_user(Application.objects.select_related("version__programme", "enterprise", "region"),
                               pk, user=request.user, request=request)
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


def _v(request):
    return request.POST.get("state_version")


@login_required
@require_POST
def check(request, pk):
    return _act(request, pk, lambda a: services.form_check(
        application=a, actor=request.user, outcome=request.POST.get("outcome", ""),
        note=request.POST.get("note", ""), expected_version=_v(request), request=request),
        _("Form check recorded."))


@login_required
@require_POST
def assign(request, pk):
    def perform(application):
        expert = User.objects.filter(pk=request.POST.get("expert") or 0).first() \
            if str(request.POST.get("expert", "")).isdigit() else None
        if expert is None:
            from portal.exceptions import Invalid

            raise Invalid(_("Choose an active expert from the expert pool."), code="not_expert")
        services.expert_assign(application=application, actor=request.user, expert=expert,
                               expected_version=_v(request), request=request)

    return _act(request, pk, perform, _("Expert assigned."))


@login_required
@require_POST
def close(request, pk):
    return _act(request, pk, lambda a: services.review_close(application=a, actor=request.user,
                                                             expected_version=_v(request), request=request),
                _("Expert review closed; the special audit comes next."))


@login_required
@require_POST
def audit(request, pk):
    return _act(request, pk, lambda a: services.audit_record(
        application=a, actor=request.user, verified_investment=request.POST.get("verified_investment", ""),
        note=request.POST.get("note", ""), expected_version=_v(request), request=request),
        _("Special audit recorded."))


@login_required
@require_POST
def notice(request, pk):
    raw = request.POST.get("days", "")
    days = int(raw) if raw.isdigit() and len(raw) < 4 else workflow.NOTICE_DAYS
    return _act(request, pk, lambda a: services.notice_publish(
        application=a, actor=request.user, days=days, expected_version=_v(request), request=request),
        _("Public notice published."))


@login_required
@require_POST
def decide(request, pk):
    return _act(request, pk, lambda a: services.decide(
        application=a, actor=request.user, note=request.POST.get("note", ""), expected_version=_v(request),
        request=request), _("Approved: the amount is reserved on the budget."))


@login_required
@require_POST
def reject(request, pk):
    return _act(request, pk, lambda a: services.reject(
        application=a, actor=request.user, note=request.POST.get("note", ""), expected_version=_v(request),
        request=request), _("The application is rejected."))


@login_required
@require_POST
def evaluate(request, pk):
    return _act(request, pk, lambda a: services.evaluate(
        application=a, actor=request.user, score=request.POST.get("score", ""), note=request.POST.get("note", ""),
        expected_version=_v(request), request=request), _("Performance evaluation recorded."))


# ─── experts ─────────────────────────────────────────────────────────────────────────────────


def part_labels() -> list[tuple[str, str, int]]:
    titles = {"necessity": _("Necessity"), "feasibility": _("Feasibility"),
              "investment": _("Investment soundness"), "benefit": _("Expected benefit")}
    return [(p.code, titles[p.code], int(p.weight * 100)) for p in workflow.PARTS]


@login_required
@require_GET
def tasks(request):
    if not is_expert(request.user):
        raise PermissionDenied
    return render(request, "subsidies/review/tasks.html", {"tasks": selectors.expert_tasks(request.user)})


def _sheet_page(request, sheet, status=200):
    return render(request, "subsidies/review/sheet.html", {
        "sheet": sheet, "application": sheet.application, "parts": part_labels(),
        "files": list(sheet.application.files.all())}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request, pk):
    sheet = get_object_or_404(ExpertReview.objects.select_related("application__version__programme",
                                                                  "application__enterprise"),
                              pk=pk, expert=request.user)
    if request.method == "GET":
        return _sheet_page(request, sheet)
    try:
        if request.POST.get("conflict") == "1":
            services.conflict_declare(review=sheet, actor=request.user, note=request.POST.get("conflict_note", ""),
                                      request=request)
            messages.success(request, _("Conflict of interest declared: your sheet will not count."))
        else:
            services.score_submit(review=sheet, actor=request.user,
                                  scores={code: request.POST.get(code, "") for code in workflow.PART_CODES},
                                  no_conflict_declared=request.POST.get("no_conflict") == "on",
                                  comment=request.POST.get("comment", ""), request=request)
            messages.success(request, _("Score sheet submitted."))
    except Forbidden as exc:
        messages.error(request, exc.message)
        return _sheet_page(request, sheet, status=403)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _sheet_page(request, sheet, status=status_for(exc))
    return redirect("subsidies:review-tasks")


# ─── budget consumption ──────────────────────────────────────────────────────────────────────


def budget_figure(rows: list[dict]) -> dict:
    labels = [f"{r['programme']} v{r['version']} · {r['line'] or _('Total')}" for r in rows]
    series = ((_("Allocated"), "allocated", "#98a2b3"), (_("Reserved"), "reserved", "#2e90fa"),
              (_("Disbursed"), "disbursed", "#12b76a"))
    return {"data": [{"type": "bar", "name": name, "x": labels, "y": [float(r[key]) for r in rows],
                      "marker": {"color": color}} for name, key, color in series],
            # Legend above the plot and a self-sizing x axis: on a phone the long bar labels turn
            # sideways and would otherwise run into the legend and off the figure.
            "layout": {"barmode": "group", "height": 420, "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
                       "xaxis": {"automargin": True}, "yaxis": {"title": {"text": _("Yuan")}},
                       "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}}}


@login_required
@require_GET
def budget(request):
    _staff_only(request)
    rows = selectors.budget_rows(request.user)
    return render(request, "subsidies/review/budget.html", {
        "rows": rows, "figure": budget_figure(rows), "plotly_js": plotly_js_static_path(),
        "today": dt.date.today()})
