"""The public directory (providers, solutions, apps), the solution map and the provider portrait:
open to anonymous visitors and signed-in users alike, read from the published projection only.
Bureau staff may export a filtered list to Excel (audited)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diagnosis.results.charts import plotly_js_static_path
from portal.exceptions import DomainError
from portal.exports import xlsx_response
from portal.roles import is_bureau_staff
from providers import cache as registry_cache
from providers.directory import charts
from providers.directory import selectors as selectors_directory
from providers.directory.forms import DirectoryFilterForm
from providers.ecosystem import services as services_ecosystem
from providers.leads import selectors as leads_selectors
from providers.taxonomy import APP_CATEGORIES, CAPABILITY_AREAS, DEPLOYMENTS, PRICE_MODELS, titles

PAGE_SIZE = 20
KEYWORD_TTL = 60  # seconds a keyword search stays cached

# Which filters each list offers.
LIST_FIELDS = {
    "providers": ("q", "category", "item", "industry", "area", "region", "pool"),
    "solutions": ("q", "category", "item", "industry", "area", "region", "pool"),
    "apps": ("q", "app_category", "industry", "area", "region", "pool"),
    "map": ("q", "item", "industry", "region", "pool"),
}


def _form(request, kind):
    return DirectoryFilterForm(request.GET, fields=LIST_FIELDS[kind])


def _cacheable(request, kind) -> bool:
    """Only the filters the list offers, each once, plus the page: anything else is rendered
    uncached, so junk parameters cannot fill the cache."""
    allowed = {*LIST_FIELDS[kind], "page"}
    return all(name in allowed and len(values) == 1 for name, values in request.GET.lists())


def _list_parts(request, kind, *, rows_for, queryset_for) -> dict:
    """The filter form, the count and the results table of one list page, rendered (the part of
    the page that is the same for every visitor)."""
    form = _form(request, kind)
    parts = {"status": 200, "count": None, "results": ""}
    if form.is_valid():
        page = Paginator(queryset_for(form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
        parts["count"] = page.paginator.count
        parts["results"] = render_to_string(f"providers/directory/partials/{kind}_results.html", {
            "page": page, "rows": rows_for(page.object_list),
            # One reverse per page, not one per row.
            "portrait_base": reverse("providers:portrait", args=[0]).removesuffix("0/"),
        }, request=request)
    else:
        parts["status"] = 400
    parts["filters"] = render_to_string("providers/directory/partials/filters.html", {"form": form},
                                        request=request)
    return parts


def _list_page(request, kind, *, template, rows_for, queryset_for):
    def build():
        return _list_parts(request, kind, rows_for=rows_for, queryset_for=queryset_for)

    # Cached per registry version (providers/cache.py): a publication shows at once. Keyword
    # searches are kept shorter, so a stream of distinct keywords cannot pile up in the cache.
    if _cacheable(request, kind):
        parts = registry_cache.cached(registry_cache.key("list", kind, request.GET.urlencode()), build,
                                      timeout=KEYWORD_TTL if request.GET.get("q") else registry_cache.PAGE_TTL,
                                      store=lambda value: value["status"] == 200)
    else:
        parts = build()
    return render(request, template, {
        "filters_html": mark_safe(parts["filters"]),  # noqa: S308 — rendered by our own templates above
        "results_html": mark_safe(parts["results"]),  # noqa: S308
        "count": parts["count"], "tab": kind, "can_export": is_bureau_staff(request.user),
    }, status=parts["status"])


@require_GET
def directory(request):
    return _list_page(request, "providers", template="providers/directory/providers.html",
                      queryset_for=selectors_directory.listings, rows_for=selectors_directory.listing_rows)


def _solution_rows(solutions):
    from diagnosis.results.needs import CATEGORIES

    category_title = {c.code: c.title for c in CATEGORIES}
    area_title = titles(CAPABILITY_AREAS)
    return [{"solution": s, "categories": selectors_directory.tag_titles(s.categories, category_title),
             "areas": selectors_directory.tag_titles(s.areas, area_title)} for s in solutions]


@require_GET
def solution_list(request):
    return _list_page(request, "solutions", template="providers/directory/solutions.html",
                      queryset_for=selectors_directory.solutions, rows_for=_solution_rows)


def _app_rows(apps):
    category, deployment, price = titles(APP_CATEGORIES), titles(DEPLOYMENTS), titles(PRICE_MODELS)
    return [{"app": a, "category": category.get(a.category, a.category),
             "deployment": deployment.get(a.deployment, a.deployment),
             "price_model": price.get(a.price_model, a.price_model)} for a in apps]


@require_GET
def app_list(request):
    return _list_page(request, "apps", template="providers/directory/apps.html",
                      queryset_for=selectors_directory.apps, rows_for=_app_rows)


@require_GET
def solution_map(request):
    form = _form(request, "map")
    if not form.is_valid():
        return render(request, "providers/directory/map.html", {"form": form, "tab": "map", "map": None},
                      status=400)
    filters = form.filters()
    query = request.GET.copy()
    for name in ("page", "category", "area"):
        query.pop(name, None)
    return render(request, "providers/directory/map.html", {
        "form": form, "tab": "map", "map": selectors_directory.solution_map(filters), "base_query": query.urlencode(),
    })


def _optional_url(name, pk):
    """A link to a page another feature provides (rating, complaints), or None while it does not exist."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def _area_rows(areas) -> str:
    """The capability table's rows as ready HTML, built in Python like the filter controls: per-cell
    template lookups were the portrait's largest cost (the bench measures it). Every text is escaped."""
    label = {key: escape(text) for key, text in (
        ("level", _("Declared level")), ("cases", _("Cases")), ("verified", _("Verified cases")),
        ("solutions", _("Solutions")))}
    not_declared = f'<span class="muted">{escape(_("not declared"))}</span>'

    def level(a) -> str:
        return f'L{int(a.level)} <span class="muted">{escape(a.level_title)}</span>' if a.level else not_declared

    return mark_safe("".join(  # noqa: S308 — every text is escaped above or here; the numbers are ints
        f'<tr>\n      <td>{escape(a.title)}</td>\n'
        f'      <td data-label="{label["level"]}">{level(a)}</td>\n      <td class="num" data-label="{label["cases"]}">{int(a.cases)}</td>\n'
        f'      <td class="num" data-label="{label["verified"]}">{int(a.verified_cases)}</td>\n'
        f'      <td class="num" data-label="{label["solutions"]}">{int(a.solutions)}</td>\n    </tr>'
        for a in areas))


def _app_rows_html(apps) -> str:
    clients = escape(_("Clients"))
    return mark_safe("".join(  # noqa: S308 — every text is escaped; the numbers are ints
        f'<tr><td>{escape(a.name)} <span class="muted">{escape(a.category)} · {escape(a.deployment)}</span></td>'
        f'<td class="num" data-label="{clients}">{int(a.clients)}</td></tr>' for a in apps))


def _portrait_parts(request, pk) -> dict:
    """The portrait's title and body, rendered (the same for every visitor), or no name: 404."""
    listing = selectors_directory.portrait_listing(pk)
    if listing is None:
        return {"name": None}
    data = selectors_directory.portrait(listing, today=timezone.localdate())
    radar = charts.capability_radar(
        [a.title for a in data.areas], [a.level for a in data.areas], [a.verified_cases for a in data.areas],
        [a.solutions for a in data.areas],
        names=(_("Declared level"), _("Verified cases (capped at 5)"), _("Solutions (capped at 5)")))
    body = render_to_string("providers/directory/partials/portrait_body.html", {
        "p": data, "listing": listing, "radar": radar,
        "area_rows": _area_rows(data.areas), "app_rows": _app_rows_html(data.apps),
        "rate_url": _optional_url("providers:provider-rate", listing.provider_id),
        "complain_url": _optional_url("providers:provider-complain", listing.provider_id),
    })  # no request: the body is the same for everyone, and context processors would cost queries
    return {"name": listing.name, "body": body}


@require_GET
def portrait(request, pk):
    # Cached per registry version and day (qualifications turn "expiring" by date): providers/cache.py.
    parts = registry_cache.cached(registry_cache.key("portrait", pk, timezone.localdate().isoformat()),
                                  lambda: _portrait_parts(request, pk))
    if parts["name"] is None:
        raise Http404
    return render(request, "providers/directory/portrait.html", {
        "name": parts["name"], "body_html": mark_safe(parts["body"]),  # noqa: S308 — our own template's output
        "plotly_js": plotly_js_static_path(),
        # Outside the cached body: the ratings move with leads and re-assessments, not the registry version.
        "outcome_ratings": leads_selectors.provider_outcome_ratings(pk),
    })


@login_required
@require_GET
def export(request, kind):
    """The filtered list as .xlsx, for bureau staff (audited, rate-limited, watermarked)."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    if kind not in ("providers", "solutions", "apps"):
        raise Http404
    form = _form(request, kind)
    if not form.is_valid():
        return HttpResponse(_("The filters are not valid."), status=400, content_type="text/plain; charset=utf-8")
    try:
        content = services_ecosystem.directory_export(actor=request.user, kind=kind, filters=form.filters(),
                                                      request=request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400 if exc.code != "rate_limited" else 429,
                            content_type="text/plain; charset=utf-8")
    return xlsx_response(content, f"registry-{kind}")

