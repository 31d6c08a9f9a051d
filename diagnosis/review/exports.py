"""Excel workbooks for bureau staff (docs/security.md R15): bytes out, no request, no database.

Text that a spreadsheet would run as a formula is neutralised, and every workbook carries a
watermark row naming who exported it and when. openpyxl's write-only mode streams rows, so a
full 50,000-row export stays within a few MB of memory; pandas would add a copy of every row and
nothing we need on top."""

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from diagnosis.review.selectors import QueueRow

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula (or becomes one) in Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as it may go into a cell: text loses the control characters XLSX cannot hold and
    gets a leading apostrophe when it would start a formula; aware datetimes become local time
    (XLSX has no time zones). Numbers pass unchanged: they never run."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if not isinstance(value, str):
        return value
    # Strip first: "\x01=cmd()" must not turn into a live "=cmd()" once the \x01 is gone.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _header(sheet, titles: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def queue_workbook(rows: Sequence[QueueRow], *, exported_by, exported_at: datetime) -> bytes:
    """The review queue as .xlsx: a watermark row, a header row, one row per assessment."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exported_by.get_username()
    sheet = workbook.create_sheet(_("Review queue"))
    sheet.freeze_panes = "A3"
    columns = [
        (_("Enterprise"), 36), (_("Unified social credit code"), 22), (_("District"), 12), (_("Industry"), 28),
        (_("Standard"), 36), (_("Status"), 14), (_("Submitted"), 18), (_("Self-declared total"), 12),
        (_("Self-declared level"), 14), (_("Verified total"), 12), (_("Verified level"), 14),
        (_("Reviewed by"), 14), (_("Reviewed"), 18), (_("Assessment ID"), 10),
    ]
    for index, (_title, width) in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    name = exported_by.get_full_name() or exported_by.get_username()
    watermark = WriteOnlyCell(sheet, value=safe_cell(
        _("Exported by %(name)s (%(username)s) at %(time)s. Confidential: for official use only, do not pass on.")
        % {"name": name, "username": exported_by.get_username(),
           "time": timezone.localtime(exported_at).strftime("%Y-%m-%d %H:%M")}))
    watermark.font = Font(bold=True, color="B42318")
    sheet.append([watermark])
    sheet.append(_header(sheet, [title for title, _width in columns]))
    for row in rows:
        sheet.append([safe_cell(value) for value in (
            row.enterprise, row.uscc, row.district, row.industry, f"{row.spec_title} ({row.spec_key})",
            row.status_label, row.submitted_at, row.total, row.level, row.verified_total, row.verified_level,
            row.reviewed_by, row.reviewed_at, row.pk,
        )])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
