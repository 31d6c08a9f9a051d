"""The regional dashboards (issue #12): the regional index, slices and the demand map for bureau staff
(district staff: their district; city staff: every district of their city and the city; province
staff: every city of their province and each city's districts; a province line for all), the drill-down from the demand map to the firms, the Excel export of every table, and
the anonymous public regional index (aggregates only).

Access: bureau staff only (403 for anyone else signed in); a region outside the user's jurisdiction
answers 404, audited like any other probe. Cells outside the jurisdiction follow the k rule
(diagnosis/regional/tables.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from diagnosis.extensions import regional_panels
from diagnosis.regional import rollup, selectors, tables
from diagnosis.regional import services as services_regional
from diagnosis.regional.charts import table_figure
from diagnosis.regional.forms import DemandCellForm, PolicyFilterForm, RegionalFilterForm
from diagnosis.results.charts import plotly_js_static_path
from diagnosis.signals import ALL_NEEDS_VERSION
from diagnosis.spec import get_spec
from portal.audit import audit_denied, audit_log
from portal.exceptions import DomainError
from portal.exports import xlsx_response
from portal.fragments import render_cached_parts, version
from portal.models import Region
from portal.reference import INDUSTRY_DIVISIONS
from portal.roles import staff_region_path

PAGE_SIZE = 50
PUBLIC_PROVINCE = "440000"
PUBLIC_CACHE_SECONDS = 600


# Cached index figures are keyed on the roll-up's data version; this only bounds how long an unused
# entry stays.
DASHBOARD_CACHE_SECONDS = 15 * 60


def _staff_path(request) -> str:
    path = staff_region_path(request.user)
    if path is None:
        raise PermissionDenied
    return path


def region_in(request, path: str, region_id) -> Region:
    """The region ``region_id`` inside the jurisdiction ``path``; 404 (audited when it exists) otherwise.
    Also used by the panels other apps add to these pages (diagnosis/extensions.py, RegionalPanel)."""
    region = Region.objects.filter(pk=region_id, path__startswith=path).select_related("parent__parent").first()
    if region is None:
        if Region.objects.filter(pk=region_id).exists():
            audit_denied(request, request.user, "access.denied", "portal.region", region_id)
        raise Http404
    return region


class _Filters:
    """The page's filters resolved: spec, scope region (inside the jurisdiction), year."""

    def __init__(self, request, form_class=RegionalFilterForm):
        self.path = _staff_path(request)
        self.regions = list(Region.objects.filter(
            path__startswith=self.path, level__in=(Region.Level.PROVINCE, Region.Level.CITY, Region.Level.DISTRICT))
            .order_by("path"))
        self.form = form_class(request.GET or None, regions=self.regions)
        self.spec = get_spec(self.form.spec_key())
        region_id = self.form.value("region")
        self.scope = region_in(request, self.path, region_id) if region_id else \
            Region.objects.select_related("parent__parent").get(pk=request.user.region_id)
        self._resolve()

    def rescope(self, region: Region) -> None:
        """Compute for ``region`` (inside the jurisdiction) instead of the region asked for."""
        self.scope = region
        self._resolve()
        if self.form.is_bound:
            self.form.data["region"] = str(region.pk)

    def _resolve(self) -> None:
        self.scope_area = selectors.area(self.scope, viewer_path=self.path)
        latest = selectors.latest_year(self.spec, self.scope_area.ids)
        self.year = self.form.value("year") or latest or timezone.localdate().year
        self.parent = selectors.area(self.scope.parent, viewer_path=self.path) if self.scope.parent else None
        if not self.form.is_bound:
            self.form.initial = {"region": self.scope.pk, "spec": self.spec.key, "year": self.year}
        else:
            # A bound form shows its data: the filters left out of the address show what was used.
            data = self.form.data.copy()
            for name, value in (("region", self.scope.pk), ("spec", self.spec.key), ("year", self.year)):
                if not data.get(name):
                    data[name] = str(value)
            self.form.data = data

    def query(self) -> dict:
        return {"region": self.scope.pk, "spec": self.spec.key, "year": self.year}

    def context(self, request, tab: str) -> dict:
        return {"form": self.form, "spec": self.spec, "scope": self.scope, "year": self.year,
                "query": urlencode(self.query()), "plotly_js": plotly_js_static_path(), "tab": tab,
                # Panels other apps register (diagnosis/extensions.py), each loaded by its own view.
                "panels": regional_panels(request.user, tab)}


def _index_tables(f: _Filters) -> list:
    areas = selectors.index_areas(f.scope, viewer_path=f.path)
    comparison = [a for a in areas if a.region.pk == f.scope.pk or f.scope.path.startswith(a.region.path)]
    if f.scope.level == Region.Level.PROVINCE:
        # The province view compares its cities (a handful of columns) on every table, not only the index.
        comparison = areas
    dimensions = selectors.dimensions(f.spec, f.year, comparison)
    found = [tables.index_table(f.spec, f.year, areas), tables.levels_table(f.spec, f.year, comparison),
             tables.dimensions_table(f.spec, f.year, comparison, data=dimensions)]
    if tables.composite_applies(f.spec):
        found.append(tables.composite_table(f.spec, f.year, comparison, data=dimensions))
    return found + [tables.trend_table(f.spec, comparison), tables.change_table(f.spec, f.year, comparison)]


def _slice_tables(f: _Filters) -> list:
    def link(kind, key):
        if kind not in tables.POLICY_KINDS:
            return None
        return reverse("regional:policy", args=[kind]) + "?" + urlencode({**f.query(), "key": key})

    return [tables.slice_table(kind, f.spec, f.year, f.scope_area, f.parent, link=link) for kind in selectors.SLICES]


def _demand_tables(request, f: _Filters) -> list:
    def link(district_id, division, category):
        return reverse("regional:demand-firms") + "?" + urlencode(
            {"district": district_id, "division": division, "category": category, "year": f.year})

    return [tables.demand_table(f.year, f.scope_area, link=link)]


def _with_figures(found: list) -> list[dict]:
    return [{"table": t, "figure": table_figure(t), "figure_id": f"figure-{t.key}", "data_id": f"figure-{t.key}-data"}
            for t in found]


DASHBOARD_PARTS = {"title": "diagnosis/regional/partials/dashboard_title.html",
                   "body": "diagnosis/regional/partials/dashboard_body.html"}
DEMAND_PARTS = {"title": "diagnosis/regional/partials/demand_title.html",
                "body": "diagnosis/regional/partials/demand_body.html"}


def _tab(request, tab: str, shell: str, parts: dict, build, *versions):
    """A dashboard tab. Its title and body are rendered once per viewer, address (the filters are in
    it), language and roll-up data version, and served from the cache (portal/fragments.py):
    the figures behind them change only with the roll-up. The viewer's jurisdiction (staff role and
    region), the panels they see and any ``versions`` of data outside the roll-up (the stated
    needs of the demand map) are named in the key too. ``build`` makes the context on a miss,
    and its filters check the region asked for (404 outside the jurisdiction): a body is cached
    only after that check passed for this viewer and address."""
    path = _staff_path(request)
    panels = regional_panels(request.user, tab)
    rendered = render_cached_parts(request, parts, context=build, versions=(
        rollup.data_version(), path, request.user.staff_role, request.user.region_id, *(p.key for p in panels), *versions))
    return render(request, shell, {"parts": rendered, "panels": panels, "plotly_js": plotly_js_static_path()})


@login_required
@require_GET
def dashboard(request):
    def build():
        f = _Filters(request)

        def compute():
            verified, counted = selectors.verified_share(f.spec, f.year, f.scope_area)
            return {"blocks": _with_figures(_index_tables(f)), "verified": verified, "counted": counted}

        # The figures change only when the roll-up does (rollup.data_version); what a viewer may see
        # (k = 5 outside their jurisdiction) and the language are part of the key.
        key = "regional:index:" + ":".join(str(part) for part in (
            rollup.data_version(), f.scope.pk, f.spec.key, f.year, f.path, get_language()))
        figures = cache.get_or_set(key, compute, DASHBOARD_CACHE_SECONDS)
        return {**f.context(request, "index"), **figures, "composite": tables.composite_applies(f.spec),
                "composite_version": tables.CCID_SURVEY_COMPOSITE.version}

    return _tab(request, "index", "diagnosis/regional/dashboard.html", DASHBOARD_PARTS, build)


@login_required
@require_GET
def slices(request):
    def build():
        f = _Filters(request)
        return {**f.context(request, "slices"), "blocks": _with_figures(_slice_tables(f))}

    return _tab(request, "slices", "diagnosis/regional/dashboard.html", DASHBOARD_PARTS, build)


@login_required
@require_GET
def demand(request):
    def build():
        f = _Filters(request)
        found = _demand_tables(request, f)
        return {**f.context(request, "demand"), "table": found[0], "shares": tables.demand_shares(found[0])}

    # The demand map counts the stated needs, which the roll-up does not hold.
    return _tab(request, "demand", "diagnosis/regional/demand.html", DEMAND_PARTS, build, version(ALL_NEEDS_VERSION))


@login_required
@require_GET
def demand_firms(request):
    """The firms behind one demand-map cell: staff of that district (or its city) only, 404 otherwise."""
    path = _staff_path(request)
    form = DemandCellForm(request.GET)
    if not form.is_valid():
        raise Http404
    district = region_in(request, path, form.cleaned_data["district"])
    ids = selectors.area(district, viewer_path=path).ids
    firms = selectors.demand_firms(request.user, year=form.cleaned_data["year"], region_ids=ids,
                                   division=form.cleaned_data["division"], category=form.cleaned_data["category"])
    page = Paginator(firms, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(action="regional.demand_drilldown", request=request, obj=district,
              detail={k: str(v) for k, v in form.cleaned_data.items()})
    return render(request, "diagnosis/regional/demand_firms.html", {
        "page": page, "district": district, "cell": form.cleaned_data,
        "category_label": dict(form.fields["category"].choices)[form.cleaned_data["category"]]})


EXPORTABLE = {"index", "levels", "dimensions", "composite", "trend", "change", "demand",
              *(f"slice-{kind}" for kind in selectors.SLICES)}


@login_required
@require_GET
def export(request, table):
    if table not in EXPORTABLE:
        raise Http404
    f = _Filters(request)
    if table == "demand":
        found = _demand_tables(request, f)
    elif table.startswith("slice-"):
        found = [tables.slice_table(table.removeprefix("slice-"), f.spec, f.year, f.scope_area, f.parent)]
    else:
        found = [t for t in _index_tables(f) if t.key == table]
    try:
        content = services_regional.table_export(actor=request.user, table=found[0], filters=f.query(),
                                                 request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        page = "regional:demand" if table == "demand" else "regional:slices" if table.startswith("slice-") \
            else "regional:dashboard"
        return redirect(f"{reverse(page)}?{urlencode(f.query())}")
    return xlsx_response(content, f"regional-{table}-{f.scope.code}-{f.year}")


# --- one slice group: 一行一策 / 一园一策 / 一链一策 ---------------------------------------------------


def _policy_filters(request, kind) -> tuple[_Filters, selectors.Slice]:
    """The filters and the group of a slice group's page; 404 for an unknown kind or group, and for a
    park outside the jurisdiction (audited). A park outside the region asked for is shown within its
    own district."""
    if kind not in tables.POLICY_KINDS:
        raise Http404
    f = _Filters(request, PolicyFilterForm)
    key = f.form.value("key")
    if not key or kind == "industry" and key not in INDUSTRY_DIVISIONS or kind == "park" and not key.isdigit():
        raise Http404
    if kind == "park":
        park = region_in(request, f.path, int(key))
        if park.level != Region.Level.PARK:
            raise Http404
        if not park.path.startswith(f.scope.path):
            f.rescope(Region.objects.select_related("parent__parent").get(pk=park.parent_id))
    return f, selectors.Slice(kind, key)


def _policy_context(request, f: _Filters, part: selectors.Slice) -> dict:
    return {**f.context(request, "slices"), "kind": part.kind, "key": part.key, "group": tables.slice_label(part.kind, part.key),
            "policy_title": tables.POLICY_KINDS[part.kind](), "query": urlencode({**f.query(), "key": part.key})}


@login_required
@require_GET
def policy(request, kind):
    """One industry, park or chain in the scope: its index, level mix, dimensions, weakest dimensions and
    items and needs, beside its parent region (k rule there) and the scope's every enterprise."""
    f, part = _policy_filters(request, kind)
    found = tables.policy_tables(f.spec, f.year, part, f.scope_area, f.parent)
    return render(request, "diagnosis/regional/policy.html", {
        **_policy_context(request, f, part), "blocks": _with_figures(found), "sample": found[0].rows[0]})


@login_required
@require_GET
def policy_firms(request, kind):
    """The enterprises of one slice group counted in the scope (inside the jurisdiction), audited."""
    f, part = _policy_filters(request, kind)
    firms = selectors.slice_firms(request.user, spec=f.spec, year=f.year, region_ids=f.scope_area.ids, part=part)
    page = Paginator(firms, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(action="regional.slice_drilldown", request=request, obj=f.scope,
              detail={**{k: str(v) for k, v in f.query().items()}, "kind": kind, "key": part.key})
    return render(request, "diagnosis/regional/policy_firms.html", {**_policy_context(request, f, part), "page": page})


POLICY_EXPORTABLE = {"policy-index", "policy-levels", "policy-dimensions", "policy-weakest", "policy-needs"}


@login_required
@require_GET
def policy_export(request, kind, table):
    if table not in POLICY_EXPORTABLE:
        raise Http404
    f, part = _policy_filters(request, kind)
    found = [t for t in tables.policy_tables(f.spec, f.year, part, f.scope_area, f.parent) if t.key == table]
    found[0].title = f"{tables.slice_label(kind, part.key)} {found[0].title}"  # the sheet is named by its group
    filters = {**f.query(), "kind": kind, "key": part.key}
    try:
        content = services_regional.table_export(actor=request.user, table=found[0], filters=filters, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('regional:policy', args=[kind])}?{urlencode({**f.query(), 'key': part.key})}")
    return xlsx_response(content, f"regional-{kind}-{table.removeprefix('policy-')}-{f.scope.code}-{f.year}")



@require_GET
def public(request):
    """The public regional index: anonymous, aggregates only, every cell under the k rule."""
    form = RegionalFilterForm(request.GET or None)
    spec = get_spec(form.spec_key())
    province = Region.objects.get(code=PUBLIC_PROVINCE)
    ids = selectors.area(province, viewer_path=None).ids
    year = form.value("year") or selectors.latest_year(spec, ids) or timezone.localdate().year
    # Anonymous and province-wide: the figures are built at most once per PUBLIC_CACHE_SECONDS per
    # standard, year and language, so nobody can load the database by reloading the page.
    key = f"regional-public:{spec.key}:{year}:{get_language()}"
    blocks = cache.get(key)
    if blocks is None:
        blocks = _with_figures(tables.public_tables(spec, year, province))
        cache.set(key, blocks, PUBLIC_CACHE_SECONDS)
    if not form.is_bound:
        form.initial = {"spec": spec.key, "year": year}
    return render(request, "diagnosis/regional/public.html", {
        "form": form, "spec": spec, "year": year, "province": province, "blocks": blocks,
        "plotly_js": plotly_js_static_path()})

