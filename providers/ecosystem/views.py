"""Ecosystem analysis, its Excel export and the provider-list import: bureau staff only, scoped to
their region (district staff their district, city staff the whole city)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.regional.views import region_in
from diagnosis.results.charts import plotly_js_static_path
from portal.errors import bad_request, status_for
from portal.exceptions import DomainError, Forbidden
from portal.exports import xlsx_response
from portal.roles import is_bureau_staff, staff_region_path
from providers.directory import charts
from providers.ecosystem import selectors as selectors_ecosystem
from providers.ecosystem import services as services_ecosystem
from providers.ecosystem.forms import ImportForm
from providers.ecosystem.imports import HEADERS, REQUIRED
from providers.gaps.forms import MapForm, problems

TOP_INDUSTRIES = 15


def _staff(request):
    if not is_bureau_staff(request.user) or selectors_ecosystem.scope_path(request.user) is None:
        raise PermissionDenied


@login_required
@require_GET
def analysis(request):
    _staff(request)
    data = selectors_ecosystem.ecosystem(request.user, today=timezone.localdate())
    top = data.industries[:TOP_INDUSTRIES]
    figures = {
        "levels": charts.stacked_levels([a.title for a in data.areas], [a.level_shares for a in data.areas],
                                        selectors_ecosystem.level_names()),
        "industries": charts.bar([f"{i.title}" for i in top if i.providers], [i.link_share for i in top if i.providers],
                                 name=_("Share of links"), suffix="%", horizontal=True, height=460),
        "apps": charts.bar([a.title for a in data.apps_by_category], [a.apps for a in data.apps_by_category],
                           name=_("Apps")),
    }
    return render(request, "providers/ecosystem/analysis.html", {
        "e": data, "figures": figures, "plotly_js": plotly_js_static_path(), "top_industries": top,
        "weak_codes": {a.code for a in data.weak},
    })


@login_required
@require_GET
def analysis_export(request):
    _staff(request)
    try:
        content = services_ecosystem.ecosystem_export(actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("providers:ecosystem")
    return xlsx_response(content, "ecosystem")


@login_required
@require_http_methods(["GET", "POST"])
def provider_import(request):
    _staff(request)
    form, errors, status = ImportForm(), [], 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services_ecosystem.provider_import(actor=request.user, fileobj=upload, name=upload.name,
                                                            size=upload.size, request=request)
            except Forbidden:
                raise PermissionDenied from None
            except services_ecosystem.ImportRefused as exc:
                form.add_error("file", exc.message)
                errors, status = exc.errors, 422
            except DomainError as exc:
                form.add_error("file", exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                                 % {"created": len(result.created), "updated": len(result.updated),
                                    "unchanged": len(result.unchanged)})
                return redirect("providers:provider-import")
        else:
            status = 422
    return render(request, "providers/ecosystem/import.html", {
        "form": form, "errors": errors, "columns": [(names[0], key in REQUIRED) for key, names in HEADERS.items()],
    }, status=status)


@login_required
@require_GET
def regional_panel(request):
    """The provider ecosystem panel of the regional dashboards (an htmx fragment): providers serving
    the dashboard's region, inside the user's jurisdiction (404 otherwise)."""
    path = staff_region_path(request.user)
    if path is None or not is_bureau_staff(request.user):
        raise PermissionDenied
    form = MapForm(request.GET)
    if not form.is_valid():
        return bad_request(request, message=problems(form))
    region = region_in(request, path, form.cleaned_data["region"] or request.user.region_id)
    supply = selectors_ecosystem.region_supply(region, today=timezone.localdate())
    peak = max((a.providers for a in supply.areas), default=0) or 1
    return render(request, "providers/ecosystem/panel.html", {
        "s": supply, "bars": [(a, round(100 * a.providers / peak), round(100 * a.members / peak)) for a in supply.areas],
    })
