"""The profile editor's input shape: the fields of each section, turning a posted form into the
section's JSON (what services.save_section stores) and the stored JSON back into form rows with
each field's problems. Validation itself is document.parse's; this module only reads the form."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from diagnosis.results.needs import CATEGORIES
from portal.models import Region
from portal.reference import INDUSTRY_DIVISIONS
from providers.profiles.catalog import item_choices
from providers.profiles.errors import FIELD_LABELS, problem_message
from providers.taxonomy import (
    APP_CATEGORIES,
    CAPABILITY_AREAS,
    CAPABILITY_LEVELS,
    DEPLOYMENTS,
    NEW_TECHNOLOGIES,
    PRICE_MODELS,
    QUALIFICATION_KINDS,
)

BLANK_ROWS = 1  # empty rows offered for new entries on each save
ROWS_MAX = 2000


def _terms(terms):
    return [(t.code, t.title) for t in terms]


def _divisions():
    return sorted((code, f"{code} {name}") for code, name in INDUSTRY_DIVISIONS.items())


def _regions():
    return [(r.code, r.name) for r in Region.objects.filter(level__in=["city", "district"]).order_by("path")]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text, textarea, int, money, date, choice, multi, bool
    choices: str = ""  # a key of the choices table built per request

    @property
    def label(self):
        return FIELD_LABELS.get(self.name, self.name)


FACT_FIELDS = (Field("summary", "textarea"), Field("registered_capital", "money"), Field("founded_year", "int"),
               Field("employees", "int"), Field("rd_staff", "int"), Field("website"),
               Field("service_regions", "multi", "regions"))
CONTACT_FIELDS = (Field("name"), Field("role"), Field("phone"), Field("email"))
ROW_FIELDS = {
    "qualifications": (Field("kind", "choice", "qualifications"), Field("name"), Field("number"), Field("issuer"),
                       Field("expires", "date"), Field("document", "choice", "documents")),
    "capabilities": (Field("area", "choice", "areas"), Field("level", "choice", "levels"),
                     Field("description", "textarea"), Field("cases", "multi", "cases")),
    "industries": (Field("division", "choice", "divisions"), Field("clients", "int")),
    "apps": (Field("name"), Field("category", "choice", "app_categories"), Field("deployment", "choice", "deployments"),
             Field("price_model", "choice", "price_models"), Field("clients", "int"), Field("summary", "textarea")),
    "solutions": (Field("title"), Field("summary", "textarea"), Field("categories", "multi", "categories"),
                  Field("items", "multi", "items"), Field("industries", "multi", "divisions"),
                  Field("areas", "multi", "areas"), Field("price_min", "money"), Field("price_max", "money"),
                  Field("delivery_days", "int"), Field("light", "bool")),
    "cases": (Field("client_name"), Field("client_uscc"), Field("division", "choice", "divisions"),
              Field("scope", "textarea"), Field("investment", "money"), Field("before"), Field("after"),
              Field("year", "int"), Field("areas", "multi", "areas")),
}
SECTION_HELP = {
    "facts": _("Facts beyond your registration: what you do, size, where you serve and whom to contact."),
    "qualifications": _("Certificates with their expiry dates; upload each certificate file first, then pick it. "
                        "An expired certificate blocks submission."),
    "capabilities": _("For each capability area, the level you declare and the cases that back it."),
    "new_tech": _("The new technologies your products or services use."),
    "industries": _("The GB/T 4754 industries you serve and how many clients in each."),
    "apps": _("Your industrial apps (工业APP): category, deployment, price model and clients."),
    "solutions": _("Solutions are what matching ranks: link each to the need categories and the standards' "
                   "scenarios or items it addresses."),
    "cases": _("Delivered projects. Give the client's unified social credit code if it is on the portal: it can "
               "then confirm the case, which makes it a verified case."),
}


def choices_for(document: dict, documents) -> dict[str, list]:
    """Choices of every choice field, for one provider's document (its cases, its files)."""
    cases = [(c.get("key"), c.get("client_name") or c.get("key")) for c in (document.get("cases") or [])
             if isinstance(c, dict) and isinstance(c.get("key"), str)]
    return {
        "qualifications": _terms(QUALIFICATION_KINDS), "areas": _terms(CAPABILITY_AREAS),
        "levels": [(t.code, f"{t.code} · {t.title}") for t in CAPABILITY_LEVELS],
        "divisions": _divisions(), "app_categories": _terms(APP_CATEGORIES), "deployments": _terms(DEPLOYMENTS),
        "price_models": _terms(PRICE_MODELS), "categories": [(c.code, c.title) for c in CATEGORIES],
        "items": [(value, title) for _group, options in item_choices() for value, title in options],
        "item_groups": item_choices(),
        "documents": [(str(d.pk), d.original_name) for d in documents], "cases": cases, "regions": _regions(),
        "new_tech": _terms(NEW_TECHNOLOGIES),
    }


# --- posted form → section data --------------------------------------------------------------------------


def _read(field: Field, post, prefix: str):
    name = f"{prefix}{field.name}"
    if field.kind == "multi":
        return [v for v in post.getlist(name) if v]
    if field.kind == "bool":
        return post.get(name) == "on"
    value = post.get(name, "").strip()
    if field.name == "document":
        return int(value) if value.isdigit() else None
    return value


def _item_refs(values: list[str]) -> list[dict]:
    return [{"spec": v.split(":", 1)[0], "item": v.split(":", 1)[1]} for v in values if ":" in v]


def _row_count(post) -> int:
    try:
        return max(0, min(int(post.get("rows", "0")), ROWS_MAX))
    except ValueError:
        return 0


def _blank(entry: dict) -> bool:
    return not any(v for k, v in entry.items() if k != "key")


def data_from_post(section: str, post):
    """The section's JSON as the form describes it; empty rows are left out, ticked rows removed."""
    return posted_section(section, post)[0]


def posted_section(section: str, post) -> tuple[object, list[str]]:
    """The section's JSON and, for each saved entry in order, the form prefix it came from ("r3-",
    "c0-"): a save's problems and new keys are shown at the inputs the user typed in, whose
    numbering counts the rows left out."""
    if section == "new_tech":
        return [v for v in post.getlist("new_tech") if v], []
    if section == "facts":
        facts = {f.name: _read(f, post, "") for f in FACT_FIELDS}
        contacts, prefixes = [], []
        for i in range(min(_count(post, "contacts"), 10)):
            entry = {f.name: _read(f, post, f"c{i}-") for f in CONTACT_FIELDS}
            if post.get(f"c{i}-delete") != "on" and not _blank(entry):
                contacts.append(entry)
                prefixes.append(f"c{i}-")
        facts["contacts"] = contacts
        return facts, prefixes
    rows, prefixes = [], []
    for i in range(_row_count(post)):
        prefix = f"r{i}-"
        if post.get(f"{prefix}delete") == "on":
            continue
        entry = {f.name: _read(f, post, prefix) for f in ROW_FIELDS[section]}
        if "items" in entry:
            entry["items"] = _item_refs(post.getlist(f"{prefix}items"))
        if _blank(entry):
            continue
        key = post.get(f"{prefix}key", "").strip()
        if key:
            entry["key"] = key
        rows.append(entry)
        prefixes.append(prefix)
    return rows, prefixes


def posted_names(section: str, post) -> list[str]:
    """Every input name of the section form as posted (the fields whose message slots a save answers)."""
    if section == "new_tech":
        return []
    if section == "facts":
        return [f.name for f in FACT_FIELDS] + [f"c{i}-{f.name}" for i in range(min(_count(post, "contacts"), 10))
                                                for f in CONTACT_FIELDS]
    return [f"r{i}-{f.name}" for i in range(min(_row_count(post), 200)) for f in ROW_FIELDS[section]]


def field_messages(section: str, prefixes: list[str], problems) -> tuple[dict[str, list[str]], list[str]]:
    """A save's problems by input name (see posted_section) and those of the section as a whole."""
    by_name: dict[str, list[str]] = {}
    general: list[str] = []
    for p in problems:
        message = str(problem_message(p))
        parts = p.path.split(".")[1:]  # without the section
        if section == "facts" and parts and parts[0] == "contacts":
            parts = parts[1:]
        elif section == "facts" and parts:
            by_name.setdefault(parts[0], []).append(message)
            continue
        if len(parts) >= 2 and parts[0].isdigit() and int(parts[0]) < len(prefixes) and parts[1] != "key":
            by_name.setdefault(prefixes[int(parts[0])] + parts[1], []).append(message)
        else:
            general.append(message)
    return by_name, general


def _count(post, name: str) -> int:
    try:
        return max(0, min(int(post.get(name, "0")), ROWS_MAX))
    except ValueError:
        return 0


# --- section data → form rows -------------------------------------------------------------------------


def _value_for_form(field: Field, value):
    if field.kind == "multi":
        if field.name == "items":
            return [f"{v.get('spec')}:{v.get('item')}" for v in (value or []) if isinstance(v, dict)]
        return [str(v) for v in value] if isinstance(value, list) else []
    if field.kind == "bool":
        return value is True
    return "" if value is None else str(value)


def _cells(fields, entry: dict, prefix: str, path: str, errors: dict, choices: dict):
    return [{"field": f, "name": f"{prefix}{f.name}", "value": _value_for_form(f, entry.get(f.name)),
             "choices": choices.get(f.choices, []), "errors": errors.get(f"{path}.{f.name}", []),
             "groups": choices.get("item_groups", ()) if f.name == "items" else ()}
            for f in fields]


def error_index(problems) -> dict[str, list[str]]:
    """Problem messages by path, with each path's parents collecting nothing (shown at the field)."""
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.path, []).append(problem_message(p))
    return out


def section_form(section: str, data, problems, choices: dict, *, blank_rows: int = BLANK_ROWS) -> dict:
    """What the section template renders: fields or rows of cells, with their messages."""
    errors = error_index(problems)
    section_errors = [m for path, messages in errors.items() if path == section for m in messages]
    if section == "new_tech":
        chosen = data if isinstance(data, list) else []
        return {"kind": "tags", "choices": choices["new_tech"], "chosen": [str(v) for v in chosen],
                "errors": section_errors + errors.get("new_tech", [])}
    if section == "facts":
        data = data if isinstance(data, dict) else {}
        contacts = [c for c in (data.get("contacts") or []) if isinstance(c, dict)] + [{}]
        return {"kind": "facts", "errors": section_errors,
                "fields": _cells(FACT_FIELDS, data, "", "facts", errors, choices),
                "contacts": [{"index": i, "cells": _cells(CONTACT_FIELDS, c, f"c{i}-", f"facts.contacts.{i}", errors,
                                                          choices), "new": not c}
                             for i, c in enumerate(contacts)],
                "contact_errors": errors.get("facts.contacts", [])}
    entries = [e for e in (data if isinstance(data, list) else []) if isinstance(e, dict)]
    rows = [{"index": i, "key": e.get("key", ""), "new": False,
             "cells": _cells(ROW_FIELDS[section], e, f"r{i}-", f"{section}.{i}", errors, choices),
             "errors": errors.get(f"{section}.{i}", []) + errors.get(f"{section}.{i}.key", [])}
            for i, e in enumerate(entries)]
    for n in range(blank_rows):
        i = len(entries) + n
        rows.append({"index": i, "key": "", "new": True,
                     "cells": _cells(ROW_FIELDS[section], {}, f"r{i}-", f"{section}.{i}", {}, choices), "errors": []})
    return {"kind": "rows", "rows": rows, "errors": section_errors}


# --- read-only view ----------------------------------------------------------------------------------------


def _readable_value(field: Field, value, choices: dict) -> str:
    if value in (None, "", [], False):
        return ""
    if field.kind == "bool":
        return str(_("Yes"))
    table = dict(choices.get(field.choices, []))
    if field.kind == "multi":
        values = _value_for_form(field, value)
        return "、".join(str(table.get(v, v)) for v in values)
    return str(table.get(str(value), value))


def readable(document: dict, choices: dict) -> list[dict]:
    """The document as label/value lines per section, for the profile, version and review pages."""
    from providers.profiles.document import SECTIONS
    from providers.profiles.errors import section_label

    document = document if isinstance(document, dict) else {}
    out = []
    for section in SECTIONS:
        value = document.get(section)
        if section == "facts":
            data = value if isinstance(value, dict) else {}
            lines = [(f.label, _readable_value(f, data.get(f.name), choices)) for f in FACT_FIELDS]
            entries = [[line for line in lines if line[1]]]
            entries += [[(f.label, _readable_value(f, c.get(f.name), choices)) for f in CONTACT_FIELDS
                         if c.get(f.name)] for c in (data.get("contacts") or []) if isinstance(c, dict)]
        elif section == "new_tech":
            entries = [[(FIELD_LABELS["new_tech"], _readable_value(Field("new_tech", "multi", "new_tech"), value,
                                                                  choices))]] if value else []
        else:
            entries = [[(f.label, _readable_value(f, e.get(f.name), choices)) for f in ROW_FIELDS[section]
                        if _readable_value(f, e.get(f.name), choices)]
                       for e in (value if isinstance(value, list) else []) if isinstance(e, dict)]
        out.append({"section": section, "label": section_label(section), "entries": [e for e in entries if e]})
    return out
