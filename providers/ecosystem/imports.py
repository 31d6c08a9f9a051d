"""Reading a bureau's existing provider list from an .xlsx sheet: one row per provider, checked
row by row, every problem reported with its spreadsheet row number in plain Chinese (the services
decide and write; this module only reads and checks shape and codes).

Columns are found by their header in the first row (Chinese or English, any order); unknown
columns are ignored. Required: 统一社会信用代码, 名称, 所在区县 (code or name), 能力领域
(areas separated by 、 , ; or new lines, each optionally with a level: "软件和模型开发:4").
Optional: 联系人, 联系电话, 简介, 网站.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from portal.models import USCC_MESSAGES
from portal.uscc import uscc_problem
from providers.taxonomy import CAPABILITY_AREAS, LEVEL_MAX, LEVEL_MIN

MAX_ROWS = 5000
DEFAULT_LEVEL = 2  # "成长": the bureau vouches for the provider, not for a level; providers raise it themselves
HEADERS = {
    "uscc": ("统一社会信用代码", "信用代码", "uscc"),
    "name": ("名称", "企业名称", "服务商名称", "name"),
    "district": ("所在区县", "区县", "所在地区", "district", "region"),
    "areas": ("能力领域", "服务领域", "capability areas", "areas"),
    "contact_name": ("联系人", "contact", "contact name"),
    "contact_phone": ("联系电话", "电话", "phone", "contact phone"),
    "summary": ("简介", "企业简介", "summary", "description"),
    "website": ("网站", "website"),
}
REQUIRED = ("uscc", "name", "district", "areas")
LIMITS = {"name": 100, "contact_name": 50, "contact_phone": 20, "summary": 2000, "website": 200}
_SPLIT = re.compile(r"[、,，;；\n]+")
_AREA = {t.title: t.code for t in CAPABILITY_AREAS} | {t.code: t.code for t in CAPABILITY_AREAS}


class SheetError(Exception):
    """The file as a whole cannot be read (not an .xlsx, no header, missing columns, too big)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportRow:
    row: int  # spreadsheet row number
    uscc: str
    name: str
    district: str  # as written: a region code or name, resolved by the service
    areas: tuple[tuple[str, int], ...]  # (area code, level)
    contact_name: str = ""
    contact_phone: str = ""
    summary: str = ""
    website: str = ""


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return " ".join(str(value).replace("\x00", "").split())


def parse_areas(value: str) -> tuple[tuple[tuple[str, int], ...], str | None]:
    areas: dict[str, int] = {}
    for part in _SPLIT.split(value):
        part = part.strip()
        if not part:
            continue
        title, _sep, level_text = part.replace("：", ":").partition(":")
        code = _AREA.get(title.strip())
        if code is None:
            return (), _("unknown capability area “%(area)s” (use the names in the template)") % {"area": title[:40]}
        level = DEFAULT_LEVEL
        if level_text.strip():
            if not level_text.strip().isdigit() or not LEVEL_MIN <= int(level_text) <= LEVEL_MAX:
                return (), _("the level of “%(area)s” must be a whole number from 1 to 5") % {"area": title[:40]}
            level = int(level_text)
        areas[code] = level
    if not areas:
        return (), _("at least one capability area is required")
    return tuple(areas.items()), None


def read_rows(fileobj: BinaryIO) -> tuple[list[ImportRow], list[RowError]]:
    """All rows of the first sheet, checked; (rows, errors). Raises SheetError for the file."""
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
        titles = [_text(cell).lower() for cell in header]
        for key, names in HEADERS.items():
            for index, title in enumerate(titles):
                if title in {n.lower() for n in names}:
                    columns.setdefault(key, index)
        missing = [HEADERS[key][0] for key in REQUIRED if key not in columns]
        if missing:
            raise SheetError(_("Columns missing from the first row: %(columns)s.") % {"columns": "、".join(missing)})
        rows, errors, seen = [], [], {}
        for number, line in enumerate(lines, start=2):
            values = {key: _text(line[index]) if index < len(line) else "" for key, index in columns.items()}
            if not any(values.values()):
                continue  # blank lines between blocks are common in hand-kept lists
            if len(rows) + len(errors) >= MAX_ROWS:
                raise SheetError(_("The sheet has more than %(max)d rows; split it into several files.")
                                 % {"max": MAX_ROWS})
            problems = []
            uscc = values["uscc"].upper()
            if not uscc:
                problems.append(_("the unified social credit code is missing"))
            elif (problem := uscc_problem(uscc)) is not None:
                problems.append(str(USCC_MESSAGES[problem]))
            elif uscc in seen:
                problems.append(_("the same unified social credit code is already in row %(row)d")
                                % {"row": seen[uscc]})
            else:
                seen[uscc] = number
            if not values["name"]:
                problems.append(_("the name is missing"))
            if not values["district"]:
                problems.append(_("the district is missing"))
            for key, limit in LIMITS.items():
                if len(values.get(key, "")) > limit:
                    problems.append(_("“%(column)s” is longer than %(max)d characters")
                                    % {"column": HEADERS[key][0], "max": limit})
            areas, area_problem = parse_areas(values["areas"])
            if area_problem:
                problems.append(area_problem)
            if problems:
                errors.extend(RowError(number, p) for p in problems)
                continue
            rows.append(ImportRow(number, uscc, values["name"], values["district"], areas,
                                  values.get("contact_name", ""), values.get("contact_phone", ""),
                                  values.get("summary", ""), values.get("website", "")))
        if not rows and not errors:
            raise SheetError(_("The sheet has no provider rows under the column titles."))
        return rows, errors
    finally:
        workbook.close()
