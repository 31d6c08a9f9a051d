"""Excel exports of the subsidy workflow (notice list, decisions, disbursement batches) through
portal.exports.table_workbook, each one audited with its row count. Payee data in an export comes
only from ``payee_cells`` (subsidies.integrity.selectors.masked_payee): account and ID numbers masked."""

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.exports import table_workbook, xlsx_response
from subsidies.integrity.selectors import masked_payee


def workbook_response(*, request, title: str, name: str, columns, rows, action: str, detail: dict | None = None):
    rows = list(rows)
    now = timezone.now()
    content = table_workbook(title, columns, rows, exported_by=request.user, exported_at=now)
    audit_log(action=action, actor=request.user, request=request,
              detail={"rows": len(rows), **(detail or {})})
    return xlsx_response(content, name, at=now)


def application_columns():
    return [(_("Reference"), 16), (_("Subsidy programme"), 28), (_("Enterprise"), 32), (_("District"), 14),
            (_("Project title"), 32), (_("Status"), 14)]


def application_cells(a) -> list:
    return [a.reference, a.version.programme.name, a.enterprise.name, a.region.name, a.project_title,
            a.get_status_display()]


PAYEE_KEYS = ("bank_name", "account_name", "account_number", "legal_representative", "legal_representative_id")


def payee_columns():
    return [(_("Bank"), 24), (_("Account name"), 28), (_("Account number (masked)"), 24),
            (_("Legal representative"), 14), (_("ID number (masked)"), 22)]


def payee_cells(organisation) -> list:
    """The payee's bank details with the account and ID numbers masked (never the clear numbers)."""
    payee = masked_payee(organisation)
    return [payee[key] for key in PAYEE_KEYS]
