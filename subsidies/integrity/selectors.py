"""Reads of payee details for pages and exports: always masked (portal/crypto.py, R26)."""

from portal.crypto import mask_account, mask_id
from subsidies.integrity.models import PayeeAccount


def masked_payee(organisation) -> dict:
    """Bank, account name and the masked account and ID numbers of an enterprise or provider, for a
    page or an export row (a disbursement batch's Excel file, say); empty strings without an account."""
    field = "provider" if organisation.__class__.__name__ == "Provider" else "enterprise"
    account = PayeeAccount.objects.filter(**{field: organisation}).first()
    if account is None:
        return {"bank_name": "", "account_name": "", "account_number": "", "legal_representative": "",
                "legal_representative_id": ""}
    return {"bank_name": account.bank_name, "account_name": account.account_name,
            "account_number": mask_account(account.account_number),
            "legal_representative": account.legal_representative,
            "legal_representative_id": mask_id(account.legal_representative_id)}
