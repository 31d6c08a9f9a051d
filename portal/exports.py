"""Excel workbooks for staff and administrators (docs/security.md R15): bytes out, no request, no
database. Every app's exports go through `table_workbook`, so each one neutralises formulas and
carries the same watermark row naming who exported it and when.

openpyxl's write-only mode streams rows, so a 50,000-row export stays within a few MB of memory;
pandas would add a copy of every row and nothing we need on top."""

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


def table_workbook(title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]], *,
                   exported_by, exported_at: datetime) -> bytes:
    """One sheet: a watermark row, a bold header row (``columns`` are (title, width)), then the rows."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exported_by.get_username()
    # Sheet titles may not hold []:*?/\ and stop at 31 characters.
    sheet = workbook.create_sheet(ILLEGAL_CHARACTERS_RE.sub("", title).translate(str.maketrans("", "", "[]:*?/\\"))[:31]
                                  or "Sheet")
    sheet.freeze_panes = "A3"
    for index, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    name = exported_by.get_full_name() or exported_by.get_username()
    watermark = WriteOnlyCell(sheet, value=safe_cell(
        _("Exported by %(name)s (%(username)s) at %(time)s. Confidential: for official use only, do not pass on.")
        % {"name": name, "username": exported_by.get_username(),
           "time": timezone.localtime(exported_at).strftime("%Y-%m-%d %H:%M")}))
    watermark.font = Font(bold=True, color="B42318")
    sheet.append([watermark])
    header = []
    for column_title, _width in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(column_title))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, name: str, *, at=None):
    """An export as a download: ``<name>-<YYYYmmdd-HHMM>.xlsx`` (local time of ``at``, now by default),
    never cached, never sniffed as anything but a workbook."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime(at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
