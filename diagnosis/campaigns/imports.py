"""Reading the bureau's 规上 list from an .xlsx sheet for a campaign: one row per firm, checked row by
row, every problem reported with its spreadsheet row number in plain Chinese (the same shape as the
provider-list import in providers/ecosystem/imports.py; the service resolves regions and writes).

Columns are found by their header in the first row (Chinese or English, any order); unknown columns
are ignored. Required: 统一社会信用代码, 企业名称, 行业大类 (GB/T 4754 two-digit division), 所在区县
(code or name). Optional: 街道/镇, 园区, 营收规模, 从业人员, 联系邮箱.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from portal.models import Enterprise
from portal.reference import INDUSTRY_DIVISIONS
from portal.sheets import RowError, SheetError, common_problems, sheet_lines

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
    revenue = _revenue_choices()
    rows, errors, seen = [], [], {}
    for number, values in sheet_lines(fileobj, headers=HEADERS, required=REQUIRED, max_rows=MAX_ROWS):
        uscc, problems = common_problems(number, values, seen, headers=HEADERS, limits=LIMITS)
        division = values["division"][:2]
        if division not in INDUSTRY_DIVISIONS:
            problems.append(_("“%(value)s” is not a GB/T 4754 industry division (two digits, e.g. 39)")
                            % {"value": values["division"][:40]})
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
