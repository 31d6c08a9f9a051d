"""The one map from a profile document's problem codes (providers/profiles/document.py) to the
translated messages people read, with the section and field label taken from the problem's path.
Forms, views and the API all go through ``problem_message``; the diff uses the same labels."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from providers.profiles.document import Problem

SECTION_LABELS = {
    "facts": gettext_lazy("Company facts"),
    "qualifications": gettext_lazy("Qualifications"),
    "capabilities": gettext_lazy("Capability areas"),
    "new_tech": gettext_lazy("New technologies"),
    "industries": gettext_lazy("Industries served"),
    "apps": gettext_lazy("Industrial apps"),
    "solutions": gettext_lazy("Solutions"),
    "cases": gettext_lazy("Cases"),
}

FIELD_LABELS = {
    # facts
    "summary": gettext_lazy("Summary"),
    "registered_capital": gettext_lazy("Registered capital (¥10k)"),
    "founded_year": gettext_lazy("Year founded"),
    "employees": gettext_lazy("Employees"),
    "rd_staff": gettext_lazy("R&D staff"),
    "website": gettext_lazy("Website"),
    "service_regions": gettext_lazy("Service regions"),
    "contacts": gettext_lazy("Contacts"),
    "role": gettext_lazy("Position"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    # entries
    "key": gettext_lazy("Entry identifier"),
    "kind": gettext_lazy("Qualification"),
    "name": gettext_lazy("Name"),
    "number": gettext_lazy("Certificate number"),
    "issuer": gettext_lazy("Issued by"),
    "expires": gettext_lazy("Valid until"),
    "document": gettext_lazy("Certificate file"),
    "area": gettext_lazy("Capability area"),
    "level": gettext_lazy("Declared level"),
    "description": gettext_lazy("Description"),
    "cases": gettext_lazy("Backing cases"),
    "division": gettext_lazy("Industry"),
    "clients": gettext_lazy("Clients"),
    "category": gettext_lazy("Category"),
    "deployment": gettext_lazy("Deployment"),
    "price_model": gettext_lazy("Price model"),
    "title": gettext_lazy("Title"),
    "categories": gettext_lazy("Need categories"),
    "items": gettext_lazy("Standard items and scenarios"),
    "industries": gettext_lazy("Industries"),
    "areas": gettext_lazy("Capability areas"),
    "price_min": gettext_lazy("Price from (¥10k)"),
    "price_max": gettext_lazy("Price up to (¥10k)"),
    "delivery_days": gettext_lazy("Delivery time (days)"),
    "light": gettext_lazy("Small, fast, light and precise (小快轻准)"),
    "client_name": gettext_lazy("Client"),
    "client_uscc": gettext_lazy("Client's unified social credit code"),
    "scope": gettext_lazy("Scope"),
    "investment": gettext_lazy("Investment (¥10k)"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "year": gettext_lazy("Year"),
    "new_tech": gettext_lazy("New technologies"),
}

PROBLEM_MESSAGES = {
    "required": gettext_lazy("this is required."),
    "unknown_code": gettext_lazy("choose a value from the list."),
    "too_long": gettext_lazy("this is too long."),
    "not_a_number": gettext_lazy("enter a number."),
    "out_of_range": gettext_lazy("this number is outside the possible range."),
    "not_text": gettext_lazy("enter plain text."),
    "not_a_list": gettext_lazy("the value must be a list."),
    "not_an_object": gettext_lazy("the value has the wrong form."),
    "too_many": gettext_lazy("there are too many entries."),
    "bad_key": gettext_lazy("the entry has no valid identifier."),
    "duplicate": gettext_lazy("this appears twice."),
    "not_a_date": gettext_lazy("enter a date as YYYY-MM-DD."),
    "more_than_employees": gettext_lazy("cannot be more than the number of employees."),
    "below_minimum": gettext_lazy("cannot be below the price from."),
    "unknown_document": gettext_lazy("choose a certificate file uploaded for this provider."),
    "expired": gettext_lazy("the certificate has expired."),
}


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section, section))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def where(path: str) -> str:
    """"apps.3.category" → "Industrial apps #4 · Category"; "facts.contacts.0.name" → "Company facts ·
    Contacts #1 · Name"."""
    if not path:
        return _("Profile")
    parts = path.split(".")
    out = [section_label(parts[0])]
    for part in parts[1:]:
        if part.isdigit():
            out[-1] = f"{out[-1]} #{int(part) + 1}"
        else:
            out.append(field_label(part))
    return " · ".join(out)


def problem_message(problem: Problem) -> str:
    text = PROBLEM_MESSAGES.get(problem.code)
    text = str(text) if text is not None else _("this value cannot be accepted.")
    return _("%(where)s: %(problem)s") % {"where": where(problem.path), "problem": text}


def problem_dicts(problems) -> list[dict]:
    """For the API and templates: path, code and the translated message of each problem."""
    return [{"path": p.path, "code": p.code, "message": problem_message(p)} for p in problems]
