"""Ecosystem analysis, its Excel export and the provider-list import: bureau staff only, scoped to
their region (district staff their district, city staff the whole city)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.results.charts import plotly_js_static_path
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.roles import is_bureau_staff
from providers.directory import charts
from providers.directory.views import xlsx_response
from providers.ecosystem import selectors as selectors_ecosystem
from providers.ecosystem import services as services_ecosystem
from providers.ecosystem.forms import ImportForm
from providers.ecosystem.imports import HEADERS, REQUIRED

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
