"""The supply–demand gap map (issue #10) on the regional dashboards: the panel (an htmx fragment the
dashboard loads, registered as a ``RegionalPanel``), the drill-down to the firms and providers behind
one cell, and the Excel export.

Access: bureau staff only (403 for anyone else signed in); a region outside the user's jurisdiction
answers 404, audited. The panel shows every district of the city: the viewer's own in full, the
others under the k rule (providers/gaps/analysis.py); the drill-down opens only cells of the viewer's
own districts."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from diagnosis.regional import selectors as regional
from diagnosis.regional.views import region_in
from diagnosis.scoring.regional import K_ANONYMITY
from diagnosis.spec import get_spec
from portal.audit import audit_log
from portal.errors import bad_request
from portal.exceptions import DomainError
from portal.exports import xlsx_response
from portal.models import Region
from portal.roles import is_bureau_staff, staff_region_path
from providers.gaps import charts, selectors, services, tables
from providers.gaps.analysis import CENT
from providers.gaps.forms import CellForm, MapForm, problems
from providers.taxonomy import CAPABILITY_AREAS, CATEGORY_AREAS, titles

PAGE_SIZE = 50


def _staff_path(request) -> str:
    path = staff_region_path(request.user)
    if path is None or not is_bureau_staff(request.user):
        raise PermissionDenied
    return path


def _map(request):
    """(gap map, filters) for the dashboard's query, or an HttpResponse refusing it."""
    path = _staff_path(request)
    form = MapForm(request.GET)
    if not form.is_valid():
        return None, bad_request(request, message=problems(form))
    region = region_in(request, path, form.cleaned_data["region"] or request.user.region_id)
    if selectors.city_of(region) is None:
        raise Http404
    year = form.cleaned_data["year"]
    if not year:
        spec = get_spec(regional.DEFAULT_SPEC_KEY)
        year = regional.latest_year(spec, regional.area(region, viewer_path=path).ids) or timezone.localdate().year
    return selectors.gap_table(region, year, viewer_path=path), {"region": region.pk, "year": year}


def _cell_link(gap_map, district_id: int, category: str) -> str:
    return reverse("providers:gaps-cell") + "?" + urlencode(
        {"district": district_id, "category": category, "year": gap_map.year})


@login_required
@require_GET
def panel(request):
    gap_map, filters = _map(request)
    if gap_map is None:
        return filters
    path = staff_region_path(request.user)
    ids = dict(Region.objects.filter(code__in=list(gap_map.names), path__startswith=path).values_list("code", "pk"))
    averages = {a.category: a for a in gap_map.table.averages}
    rows = []
    for district, cells in gap_map.table.rows():
        shown = []
        for cell in cells:
            link = _cell_link(gap_map, ids[district.code], cell.category) \
                if district.own and district.code in ids and cell.needs else None
            shown.append({"cell": cell, "link": link, "needs": tables.needs_shown(cell),
                          "ratio": tables.ratio_shown(cell), "relative": tables.times(cell.relative),
                          "label": tables.level_label(cell.level)})
        rows.append({"district": district, "cells": shown,
                     "focus": gap_map.focus is not None and district.code == gap_map.focus.code})
    largest = [{"cell": c, "district": gap_map.names[c.district], "category": tables.category_label(c.category),
                "relative": tables.times(c.relative)} for c in gap_map.table.largest_gaps()]
    area_titles = titles(CAPABILITY_AREAS, english=get_language() == "en")
    labels = {c: tables.category_label(c) for c in gap_map.table.categories}
    return render(request, "providers/gaps/panel.html", {
        "map": gap_map, "rows": rows, "figure": charts.heatmap(gap_map, labels), "largest": largest, "legend": tables.legend(),
        "categories": [{"code": c, "label": tables.category_label(c), "average": averages[c],
                        "areas": "、".join(area_titles[a] for a in CATEGORY_AREAS[c])}
                       for c in gap_map.table.categories],
        "export_query": urlencode(filters), "k": K_ANONYMITY,
    })


@login_required
@require_GET
def cell(request):
    """The firms and the providers behind one cell: staff of that district (or its city) only."""
    path = _staff_path(request)
    form = CellForm(request.GET)
    if not form.is_valid():
        if "district" not in form.errors and form.cleaned_data.get("district"):
            region_in(request, path, form.cleaned_data["district"])  # another district's cell: 404 first
        return bad_request(request, message=problems(form))
    district = region_in(request, path, form.cleaned_data["district"])
    if district.level != Region.Level.DISTRICT:
        return bad_request(request, message=tables.not_a_district())
    category, year = form.cleaned_data["category"], form.cleaned_data["year"]
    firms = selectors.cell_firms(request.user, district=district, category=category, year=year)
    page = Paginator(firms, PAGE_SIZE).get_page(request.GET.get("page"))
    providers = selectors.cell_providers(district=district, category=category)
    audit_log(action="providers.gap_drilldown", request=request, obj=district,
              detail={"category": category, "year": year})
    area_titles = titles(CAPABILITY_AREAS, english=get_language() == "en")
    count = page.paginator.count
    return render(request, "providers/gaps/cell.html", {
        "ratio": (Decimal(count) / len(providers)).quantize(CENT, ROUND_HALF_UP) if providers and count else None,
        "district": district, "category": category, "category_label": tables.category_label(category),
        "year": year, "page": page, "providers": providers,
        "areas": "、".join(area_titles[a] for a in CATEGORY_AREAS[category]),
        "back": reverse("regional:demand") + "?" + urlencode({"region": district.pk, "year": year}),
    })


@login_required
@require_GET
def export(request):
    gap_map, filters = _map(request)
    if gap_map is None:
        return filters
    try:
        content = services.gap_export(actor=request.user, gap_map=gap_map, filters=filters, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('regional:demand')}?{urlencode(filters)}")
    return xlsx_response(content, f"gap-map-{gap_map.city.code}-{gap_map.year}")
