"""The points-per-yuan table as an Excel file (portal/exports.py: formula neutralising, watermark),
audited like every staff export (R15)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exports import table_workbook
from subsidies.projects import outcomes, selectors


def points_per_yuan_export(*, actor, grouping: str, request=None) -> bytes:
    data = selectors.project_outcomes(actor)
    rows = outcomes.table(data, grouping)
    label = {"programme": _("Programme"), "district": _("District"), "provider": _("Service provider")}[grouping]
    columns = [(label, 36), (_("Projects (n)"), 12), (_("Subsidy (yuan)"), 16), (_("Points gained"), 14),
               (_("Points per ¥10k"), 14), (_("Small sample"), 12)]
    body = [(r.label, r.n, r.subsidy, r.points, r.points_per_10k, _("yes") if r.small_sample else "") for r in rows]
    content = table_workbook(_("Points per yuan"), columns, body, exported_by=actor, exported_at=timezone.now())
    audit_log(action="projects.points_per_yuan_export", actor=actor, request=request,
              detail={"grouping": grouping, "rows": len(rows), "projects": sum(r.n for r in rows)})
    return content
