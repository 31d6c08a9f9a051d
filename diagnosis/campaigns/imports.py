"""Reading the bureau's 规上 list from an .xlsx sheet for a campaign: one row per firm, checked row by
row, every problem reported with its spreadsheet row number in plain Chinese (the same shape as the
provider-list import in providers/ecosystem/imports.py; the service resolves regions and writes).

Columns are found by their header in the first row (Chinese or English, any order); unknown columns
are ignored. Required: 统一社会信用代码, 企业名称, 行业大类 (GB/T 4754 two-digit division), 所在区县
(code or name). Optional: 街道/镇, 园区, 营收规模, 从业人员, 联系邮箱.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from portal.models import USCC_MESSAGES, Enterprise
from portal.reference import INDUSTRY_DIVISIONS
from portal.uscc import uscc_problem

MAX_ROWS = 20_000
HEADERS = {
    "uscc": ("统一社会信用代码", "信用代码", "uscc"),
    "name": ("企业名称", "名称", "name"),
    "division": ("行业大类", "行业", "所属行业", "industry", "industry division"),
    "district": ("所在区县", "区县", "district"),
    "town": ("街道/镇", "街道", "镇街", "town"),
    "park": ("园区", "所在园区", "park"),
    "revenue": ("营收规模", "营业收入规模", "revenue band", "revenue"),
    "employees": ("从业人员", "员工人数", "employees"),
    "email": ("联系邮箱", "邮箱", "e-mail", "email"),
}
REQUIRED = ("uscc", "name", "division", "district")
LIMITS = {"name": 100, "town": 50}


class SheetError(Exception):
    """The file as a whole cannot be read (not an .xlsx, no header, missing columns, too big)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TargetRow:
    row: int
    uscc: str
    name: str
    division: str
    district: str
    town: str = ""
    park: str = ""
    revenue_band: str = ""
    employees: int | None = None
    email: str = ""


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
        value = int(value)
    return " ".join(str(value).replace("\x00", "").split())


def _band_key(text: str) -> str:
    return re.sub(r"[-—~～至]", "–", "".join(text.split())).lower()


def _revenue_choices() -> dict[str, str]:
    """Each band by its code and its label in English and Chinese, spaces and dash styles ignored."""
    choices = {}
    for band in Enterprise.RevenueBand:
        choices[_band_key(band.value)] = band.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                choices[_band_key(str(band.label))] = band.value
    return choices


def read_rows(fileobj: BinaryIO) -> tuple[list[TargetRow], list[RowError]]:
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
        revenue = _revenue_choices()
        rows, errors, seen = [], [], {}
        for number, line in enumerate(lines, start=2):
            values = {key: _text(line[index]) if index < len(line) else "" for key, index in columns.items()}
            if not any(values.values()):
                continue
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
            division = values["division"][:2]
            if division not in INDUSTRY_DIVISIONS:
                problems.append(_("“%(value)s” is not a GB/T 4754 industry division (two digits, e.g. 39)")
                                % {"value": values["division"][:40]})
            if not values["district"]:
                problems.append(_("the district is missing"))
            for key, limit in LIMITS.items():
                if len(values.get(key, "")) > limit:
                    problems.append(_("“%(column)s” is longer than %(max)d characters")
                                    % {"column": HEADERS[key][0], "max": limit})
            band = ""
            if values.get("revenue"):
                band = revenue.get(_band_key(values["revenue"]), "")
                if not band:
                    problems.append(_("“%(value)s” is not a revenue band") % {"value": values["revenue"][:40]})
            employees = None
            if values.get("employees"):
                if not values["employees"].isdigit() or int(values["employees"]) > 2_000_000:
                    problems.append(_("the number of employees must be a whole number"))
                else:
                    employees = int(values["employees"])
            email = values.get("email", "")
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    problems.append(_("“%(value)s” is not an e-mail address") % {"value": email[:60]})
            if problems:
                errors.extend(RowError(number, p) for p in problems)
                continue
            rows.append(TargetRow(number, uscc, values["name"], division, values["district"], values.get("town", ""),
                                  values.get("park", ""), band, employees, email))
        if not rows and not errors:
            raise SheetError(_("The sheet has no enterprise rows under the column titles."))
        return rows, errors
    finally:
        workbook.close()
