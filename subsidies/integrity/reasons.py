"""The translated sentence for an integrity finding, built when shown (so it follows the reader's
language) from the kind, the basis and the stored facts."""

from django.utils.translation import gettext as _


def describe(kind: str, basis: str, facts: dict) -> str:
    facts = {k: v for k, v in (facts or {}).items() if isinstance(v, str)}
    if kind == "related_party":
        what = {
            "legal_representative": _("the same legal representative (ID number)"),
            "phone": _("the same phone number"),
            "address": _("the same registered address"),
            "bank_account": _("the same bank account"),
        }.get(basis, basis)
        return _("The enterprise and its provider %(provider)s have %(what)s.") % {
            "provider": facts.get("provider", ""), "what": what}
    if kind == "duplicate_invoice":
        return _("Invoice %(invoice)s is also claimed by application %(reference)s (%(programme)s).") % {
            "invoice": facts.get("invoice", ""), "reference": facts.get("reference", ""),
            "programme": facts.get("programme", "")}
    if kind == "filed_by_provider":
        return _("The application was filed by a member of the provider %(provider)s, not by the enterprise.") % {
            "provider": facts.get("provider", "")}
    if kind == "expert_conflict":
        if basis == "declared":
            return _("Expert %(expert)s declared a conflict of interest.") % {"expert": facts.get("expert", "")}
        how = _("is a member of") if basis == "member" else _("shares a phone number with")
        return _("Expert %(expert)s %(how)s %(party)s.") % {"expert": facts.get("expert", ""), "how": how,
                                                           "party": facts.get("party", "")}
    return kind
