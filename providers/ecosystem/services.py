"""Writes of the ecosystem feature: the bureau's provider-list import and the audited Excel exports
of the directory lists and the ecosystem tables."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.results.needs import CATEGORIES, CATEGORY_CODES
from diagnosis.review.services import EXPORTS_PER_HOUR
from portal.audit import audit_log
from portal.exceptions import Forbidden, Invalid, WrongState
from portal.models import AuditEvent, OrgStatus, Provider, Region
from portal.reference import INDUSTRY_DIVISIONS
from portal.roles import is_bureau_staff, staff_region_path
from portal.services import audit_export
from portal.sheets import ImportRefused, RowError, read_upload
from providers.directory import selectors as selectors_directory
from providers.ecosystem import exports
from providers.ecosystem import selectors as selectors_ecosystem
from providers.ecosystem.imports import ImportRow, read_rows
from providers.models import ProfileVersion
from providers.profiles.document import parse
from providers.profiles.projection import project
from providers.taxonomy import APP_CATEGORIES, CAPABILITY_AREAS, DEPLOYMENTS, PRICE_MODELS, titles

IMPORT_MAX_BYTES = 5 * 1024 * 1024
EXPORT_MAX_ROWS = 50_000


# ─── Import ─────────────────────────────────────────────────────────────────────────────────────


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _resolve_regions(rows: list[ImportRow], path: str) -> tuple[dict[str, Region], list[RowError]]:
    """Each row's district (code or name, inside the importer's region, city or district level)."""
    candidates = {}
    for region in Region.objects.filter(path__startswith=path, level__in=[Region.Level.CITY, Region.Level.DISTRICT]):
        candidates[region.code] = region
        candidates.setdefault(region.name, region)
    found, errors = {}, []
    for row in rows:
        region = candidates.get(row.district)
        if region is None:
            errors.append(RowError(row.row, _("“%(district)s” is not a district in your region (write its name or "
                                               "its code, e.g. 440309 龙华区)") % {"district": row.district[:40]}))
        else:
            found[row.uscc] = region
    return found, errors


def _document(row: ImportRow, current: dict | None) -> dict:
    """The published document after the import: the current one (if any) with the bureau's facts,
    contacts and capability areas applied; cases and descriptions of kept areas stay."""
    document = copy.deepcopy(current) if current else {}
    facts = dict(document.get("facts") or {})
    if row.summary:
        facts["summary"] = row.summary
    if row.website:
        facts["website"] = row.website
    if row.contact_name:
        facts["contacts"] = [{"name": row.contact_name, "role": "", "phone": row.contact_phone, "email": ""}]
    document["facts"] = facts
    existing = {c.get("area"): c for c in document.get("capabilities") or [] if isinstance(c, dict)}
    document["capabilities"] = [
        {**existing.get(area, {"description": "", "cases": []}), "area": area, "level": level}
        for area, level in row.areas]
    for section in ("qualifications", "new_tech", "industries", "apps", "solutions", "cases"):
        document.setdefault(section, [])
    return document


def provider_import(*, actor, fileobj, name: str, size: int, request=None) -> ImportResult:
    """Import a bureau's provider list: check the file, read and check every row, then write all
    of it in one transaction or nothing. Idempotent by USCC: a known provider is updated (a new
    published version only when something changed), an unknown one created as verified (the bureau
    vouches for it) with a published profile and listing."""
    path = staff_region_path(actor)
    if not is_bureau_staff(actor) or path is None:
        raise Forbidden(_("Only bureau staff may import providers."))
    checked, rows, errors = read_upload(fileobj, name=name, size=size, max_bytes=IMPORT_MAX_BYTES, read_rows=read_rows)

    regions, region_errors = _resolve_regions(rows, path)
    errors += region_errors
    validate_url = URLValidator(schemes=["http", "https"])
    for row in rows:
        if row.website:
            try:
                validate_url(row.website)
            except ValidationError:
                errors.append(RowError(row.row, _("the website is not a valid http(s) address")))
    existing = {p.uscc: p for p in Provider.objects.filter(uscc__in=[r.uscc for r in rows]).select_related("region")}
    for row in rows:
        provider = existing.get(row.uscc)
        if provider is not None and not provider.region.path.startswith(path):
            errors.append(RowError(row.row, _("this provider is registered in another region (%(region)s); that "
                                               "region's bureau keeps it") % {"region": provider.region.name}))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportRefused(_("Nothing was imported: %(count)d problem(s) in the sheet. Correct them and upload "
                              "the file again.") % {"count": len(errors)}, errors=errors)

    today, now = timezone.localdate(), timezone.now()
    result = ImportResult()
    with transaction.atomic():
        providers = {p.uscc: p for p in Provider.objects.select_for_update().filter(uscc__in=[r.uscc for r in rows])}
        published = {v.provider_id: v for v in ProfileVersion.objects.select_for_update().filter(
            provider__in=list(providers.values()), status=ProfileVersion.Status.PUBLISHED)}
        numbers = dict(ProfileVersion.objects.filter(provider__in=list(providers.values()))
                       .values("provider_id").annotate(n=Max("number")).values_list("provider_id", "n"))
        pairs = []
        for row in rows:
            provider = providers.get(row.uscc)
            created = provider is None
            if created:
                provider = Provider(uscc=row.uscc)
            before = (provider.name, provider.region_id, provider.contact_name, provider.contact_phone,
                      provider.description, provider.website, provider.status)
            provider.name, provider.region = row.name, regions[row.uscc]
            if row.contact_name:
                provider.contact_name, provider.contact_phone = row.contact_name, row.contact_phone
            if row.summary:
                provider.description = row.summary
            if row.website:
                provider.website = row.website
            if provider.status != OrgStatus.VERIFIED:
                provider.status, provider.verified_by, provider.verified_at = OrgStatus.VERIFIED, actor, now
            provider_changed = created or before != (provider.name, provider.region_id, provider.contact_name,
                                                     provider.contact_phone, provider.description, provider.website,
                                                     provider.status)
            if provider_changed:
                provider.save()
            current = published.get(provider.pk)
            document = _document(row, current.document if current else None)
            parsed = parse(document, today=today, categories=CATEGORY_CODES)
            if not parsed.ok:  # a provider's own data the import cannot fix: refuse the whole file
                raise ImportRefused(_("Nothing was imported: the published profile of row %(row)d cannot be "
                                      "updated automatically.") % {"row": row.row},
                                    errors=[RowError(row.row, _("the provider's published profile has problems"))])
            if current is not None and current.document == document and not provider_changed:
                result.unchanged.append(row.uscc)
                continue
            if current is not None:
                ProfileVersion.objects.filter(pk=current.pk).update(status=ProfileVersion.Status.SUPERSEDED)
            version = ProfileVersion.objects.create(
                provider=provider, number=numbers.get(provider.pk, 0) + 1, status=ProfileVersion.Status.PUBLISHED,
                document=document, created_by=actor, submitted_at=now, submitted_by=actor, decided_at=now,
                decided_by=actor, decision_note=_("Imported from the bureau's provider list."), published_at=now,
                base=current)
            version.provider = provider
            pairs.append((version, parsed.profile))
            (result.created if created else result.updated).append(row.uscc)
        project(pairs)
        audit_log(action="provider.import", actor=actor, request=request, object_type="portal.provider",
                  detail={"file": checked.name, "sha256": checked.sha256, "rows": len(rows),
                          "created": result.created[:1000], "updated": result.updated[:1000],
                          "unchanged": len(result.unchanged)})
    return result


# ─── Exports ────────────────────────────────────────────────────────────────────────────────────


def _check_export_rate(actor) -> None:
    since = timezone.now() - timedelta(hours=1)
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() >= EXPORTS_PER_HOUR:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again "
                           "later.") % {"count": EXPORTS_PER_HOUR}, code="rate_limited")


def _capped(queryset) -> list:
    rows = list(queryset[:EXPORT_MAX_ROWS + 1])
    if len(rows) > EXPORT_MAX_ROWS:
        raise Invalid(_("More than %(max)d rows match these filters, the most one export can hold. Narrow the "
                        "filters and export again.") % {"max": EXPORT_MAX_ROWS}, code="too_many_rows")
    return rows


def _directory_table(kind: str, filters) -> tuple[str, list[str], list[list]]:
    area_title, category_title = titles(CAPABILITY_AREAS), {c.code: c.title for c in CATEGORIES}
    if kind == "providers":
        listings = _capped(selectors_directory.listings(filters))
        rows = selectors_directory.listing_rows(listings)
        return _("Providers"), [_("Name"), _("Region"), _("Capability areas"), _("Apps"), _("Solutions"),
                                _("Verified cases"), _("Published")], [
            [r.listing.name, r.listing.region.name, "、".join(f"{t} L{lvl}" for t, lvl in r.areas),
             r.listing.app_count, r.listing.solution_count, r.listing.verified_case_count, r.listing.published_at]
            for r in rows]
    if kind == "solutions":
        solutions = _capped(selectors_directory.solutions(filters))
        return _("Solutions"), [_("Solution"), _("Provider"), _("Need categories"), _("Capability areas"),
                                _("Industries"), _("Price from (¥10k)"), _("Price up to (¥10k)"),
                                _("Delivery time (days)"), _("Small, fast, light and precise")], [
            [s.title, s.listing.name, "、".join(selectors_directory.tag_titles(s.categories, category_title)),
             "、".join(selectors_directory.tag_titles(s.areas, area_title)),
             "、".join(selectors_directory.tag_titles(s.industries, INDUSTRY_DIVISIONS)),
             s.price_min, s.price_max, s.delivery_days, _("Yes") if s.light else ""] for s in solutions]
    apps = _capped(selectors_directory.apps(filters))
    category, deployment, price = titles(APP_CATEGORIES), titles(DEPLOYMENTS), titles(PRICE_MODELS)
    return _("Industrial apps"), [_("App"), _("Provider"), _("Category"), _("Deployment"), _("Price model"),
                                  _("Clients")], [
        [a.name, a.listing.name, category.get(a.category, a.category), deployment.get(a.deployment, a.deployment),
         price.get(a.price_model, a.price_model), a.clients] for a in apps]


def directory_export(*, actor, kind: str, filters, request=None) -> bytes:
    """A filtered directory list as .xlsx for bureau staff: rate-limited, capped, watermarked, audited."""
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff may export lists."))
    _check_export_rate(actor)
    title, columns, rows = _directory_table(kind, filters)
    content = exports.tables_workbook([(title, columns, rows)], exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what=f"providers.{kind}", rows=len(rows), request=request, filters=filters.as_audit())
    return content


def ecosystem_tables(data: selectors_ecosystem.Ecosystem) -> list[tuple[str, list[str], list[list]]]:
    """The analysis page's tables as (sheet title, columns, rows), for the export."""
    levels = [f"L{n} (%)" for n in range(1, 6)]
    return [
        (_("Capability distribution"), [_("Capability area"), _("Providers"), _("Coverage (%)"), _("Average level"),
                                        *levels, _("Verified cases")],
         [[a.title, a.providers, a.coverage, a.average_level, *a.level_shares, a.verified_cases] for a in data.areas]),
        (_("Industries served"), [_("Division"), _("Industry"), _("Providers serving it"), _("Share of links (%)"),
                                  _("Enterprises"), _("Enterprises per provider")],
         [[i.division, i.title, i.providers, i.link_share, i.enterprises, i.enterprises_per_provider]
          for i in data.industries]),
        (_("Apps by category"), [_("Category"), _("Apps"), _("Share (%)"), _("Clients")],
         [[a.title, a.apps, a.share, a.clients] for a in data.apps_by_category]),
        (_("Pool health"), [_("Finding"), _("Provider"), _("Pool"), _("Detail"), _("Date")],
         [[_("Qualification expiring"), r.provider, r.pool, r.detail, r.due] for r in data.expiring]
         + [[_("Re-check overdue"), r.provider, r.pool, r.detail, r.due] for r in data.overdue]
         + [[_("Suspended"), r.provider, r.pool, r.detail, r.due] for r in data.suspended]),
    ]


def ecosystem_export(*, actor, request=None) -> bytes:
    if not is_bureau_staff(actor):
        raise Forbidden(_("Only bureau staff may export lists."))
    _check_export_rate(actor)
    data = selectors_ecosystem.ecosystem(actor, today=timezone.localdate())
    tables = ecosystem_tables(data)
    content = exports.tables_workbook(tables, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what="providers.ecosystem", rows=sum(len(rows) for _t, _c, rows in tables),
                 request=request, filters={"region": data.region.code if data.region else ""})
    return content
