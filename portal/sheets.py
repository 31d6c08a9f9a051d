"""Reading a bureau's Excel list (one row per organisation) for an import: the file checks, the
header lookup, the row loop and the checks every such list shares (USCC, duplicates, lengths),
with every problem reported by spreadsheet row number in plain Chinese. Each import
(providers/ecosystem/imports.py, diagnosis/campaigns/imports.py) names its columns and checks its
own fields; the service then writes all rows in one transaction or none."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from portal.exceptions import Invalid
from portal.files import UploadRejected, check_upload
from portal.models import USCC_MESSAGES
from portal.uscc import uscc_problem


class SheetError(Exception):
    """The file as a whole cannot be read (not an .xlsx, no header, missing columns, too big)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class ImportRefused(Invalid):
    """The spreadsheet was refused; ``errors`` lists every row problem (nothing was written)."""

    def __init__(self, message: str, *, errors: list[RowError] | None = None, code: str = "import_invalid"):
        super().__init__(message, code=code)
        self.errors = errors or []


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return " ".join(str(value).replace("\x00", "").split())


def sheet_lines(fileobj: BinaryIO, *, headers: Mapping[str, Sequence[str]], required: Sequence[str],
                max_rows: int) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column key: text}) for every non-blank row of the first sheet. Columns are found
    by their title in the first row (any of ``headers[key]``, any case, any order; others ignored).
    Raises SheetError for the file as a whole."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise SheetError(_("The file could not be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetError(_("The workbook has no sheet."))
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if not header:
            raise SheetError(_("The first row must hold the column titles."))
        columns: dict[str, int] = {}
        titles = [cell_text(cell).lower() for cell in header]
        for key, names in headers.items():
            for index, title in enumerate(titles):
                if title in {n.lower() for n in names}:
                    columns.setdefault(key, index)
        missing = [headers[key][0] for key in required if key not in columns]
        if missing:
            raise SheetError(_("Columns missing from the first row: %(columns)s.") % {"columns": "、".join(missing)})
        count = 0
        for number, line in enumerate(lines, start=2):
            values = {key: cell_text(line[index]) if index < len(line) else "" for key, index in columns.items()}
            if not any(values.values()):
                continue  # blank lines between blocks are common in hand-kept lists
            count += 1
            if count > max_rows:
                raise SheetError(_("The sheet has more than %(max)d rows; split it into several files.")
                                 % {"max": max_rows})
            yield number, values
    finally:
        workbook.close()


def common_problems(number: int, values: Mapping[str, str], seen: dict[str, int], *,
                    headers: Mapping[str, Sequence[str]], limits: Mapping[str, int]) -> tuple[str, list[str]]:
    """The checks every organisation list shares: the USCC (present, valid, not twice in the sheet,
    remembered in ``seen``), the name, the district, and the length limits. Returns the upper-cased
    USCC and the problems found."""
    problems = []
    uscc = values["uscc"].upper()
    if not uscc:
        problems.append(_("the unified social credit code is missing"))
    elif (problem := uscc_problem(uscc)) is not None:
        problems.append(str(USCC_MESSAGES[problem]))
    elif uscc in seen:
        problems.append(_("the same unified social credit code is already in row %(row)d") % {"row": seen[uscc]})
    else:
        seen[uscc] = number
    if not values["name"]:
        problems.append(_("the name is missing"))
    if not values["district"]:
        problems.append(_("the district is missing"))
    for key, limit in limits.items():
        if len(values.get(key, "")) > limit:
            problems.append(_("“%(column)s” is longer than %(max)d characters")
                            % {"column": headers[key][0], "max": limit})
    return uscc, problems


def read_upload(fileobj, *, name: str, size: int, max_bytes: int, read_rows: Callable):
    """Check the upload (portal/files.py, .xlsx only) and read it with ``read_rows``: returns the
    checked file (its name and hash go into the audit record) and read_rows' (rows, errors). Every
    refusal is an ImportRefused with its reason."""
    try:
        checked = check_upload(fileobj, name=name, size=size, max_bytes=max_bytes)
    except UploadRejected as exc:
        raise ImportRefused(exc.message, code=exc.code) from None
    if checked.kind.code != "xlsx":
        raise ImportRefused(_("Upload the list as an Excel workbook (.xlsx)."), code="not_xlsx")
    fileobj.seek(0)
    try:
        return checked, *read_rows(fileobj)
    except SheetError as exc:
        raise ImportRefused(exc.message, code="sheet_invalid") from None
