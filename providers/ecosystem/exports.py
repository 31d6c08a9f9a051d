"""Excel workbooks of the registry's lists and ecosystem tables: bytes out, no request, no database.
Same rules as the review queue's export (diagnosis/review/exports.py, docs/security.md R15):
formula-safe cells, a watermark row naming who exported and when, write-only streaming."""

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from diagnosis.review.exports import safe_cell


def _watermark(sheet, exported_by, exported_at: datetime) -> WriteOnlyCell:
    name = exported_by.get_full_name() or exported_by.get_username()
    cell = WriteOnlyCell(sheet, value=safe_cell(
        _("Exported by %(name)s (%(username)s) at %(time)s. Confidential: for official use only, do not pass on.")
        % {"name": name, "username": exported_by.get_username(),
           "time": timezone.localtime(exported_at).strftime("%Y-%m-%d %H:%M")}))
    cell.font = Font(bold=True, color="B42318")
    return cell


def tables_workbook(tables: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], *, exported_by,
                    exported_at: datetime) -> bytes:
    """One sheet per (title, column titles, rows): a watermark row, a bold header row, the rows."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exported_by.get_username()
    for title, columns, rows in tables:
        # Sheet titles: at most 31 characters and none of []:*?/\ (Excel's rules).
        sheet = workbook.create_sheet("".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31])
        sheet.freeze_panes = "A3"
        for index in range(len(columns)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 18 if index else 36
        sheet.append([_watermark(sheet, exported_by, exported_at)])
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=safe_cell(str(column)))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
