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
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from portal.sheets import RowError, SheetError, common_problems, sheet_lines
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
    rows, errors, seen = [], [], {}
    for number, values in sheet_lines(fileobj, headers=HEADERS, required=REQUIRED, max_rows=MAX_ROWS):
        uscc, problems = common_problems(number, values, seen, headers=HEADERS, limits=LIMITS)
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
