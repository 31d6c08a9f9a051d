"""A provider's capability profile as plain data: parse and check the stored JSON document, measure
its completeness and diff two versions. Pure: no Django (import-linter checks it).

The document is what a profile version stores (`ProfileVersion.document`). Lists whose entries are
referred to elsewhere (qualifications, apps, solutions, cases) carry a stable ``key`` (a UUID the
editor assigns) so a diff can tell a changed entry from a removed one and a case confirmation
survives new versions. Money is in units of ¥10,000 (万元) as a decimal string; parsing yields
``Decimal``.

Problems come back as ``Problem(path, code)``; the services turn codes into translated messages
through one map (providers/profiles/errors.py), so this module stays language-free.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from providers.taxonomy import (
    APP_CATEGORY_CODES,
    CAPABILITY_CODES,
    DEPLOYMENT_CODES,
    LEVEL_MAX,
    LEVEL_MIN,
    NEW_TECH_CODES,
    PRICE_MODEL_CODES,
    QUALIFICATION_CODES,
)

SECTIONS = ("facts", "qualifications", "capabilities", "new_tech", "industries", "apps", "solutions", "cases")
KEYED_SECTIONS = ("qualifications", "apps", "solutions", "cases")
MAX_ENTRIES = {"qualifications": 50, "capabilities": len(CAPABILITY_CODES), "industries": 100, "apps": 2000,
               "solutions": 200, "cases": 500, "contacts": 10, "service_regions": 100}
TEXT_MAX = {"summary": 2000, "name": 100, "title": 100, "scope": 1000, "description": 1000,
            "before": 500, "after": 500, "number": 64, "issuer": 100, "client_name": 100, "role": 50,
            "email": 254, "phone": 20, "website": 200}
MONEY_MAX = Decimal("100000000")  # ¥1 trillion in 万元: anything above is a typo
_KEY = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_DIVISION = re.compile(r"^\d{2}$")
_REGION = re.compile(r"^[0-9A-Z]{6,12}$")
_USCC = re.compile(r"^[0-9A-Z]{18}$")


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # "apps.3.category", "facts.founded_year"
    code: str  # "required", "unknown_code", "too_long", "not_a_number", …


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    summary: str = ""
    registered_capital: Decimal | None = None
    founded_year: int | None = None
    employees: int | None = None
    rd_staff: int | None = None
    website: str = ""
    service_regions: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Qualification:
    key: str
    kind: str
    name: str = ""
    number: str = ""
    issuer: str = ""
    expires: dt.date | None = None
    document: int | None = None  # ProviderDocument id


@dataclass(frozen=True, slots=True)
class Capability:
    area: str
    level: int
    description: str = ""
    cases: tuple[str, ...] = ()  # case keys backing the declared level


@dataclass(frozen=True, slots=True)
class Industry:
    division: str
    clients: int = 0


@dataclass(frozen=True, slots=True)
class App:
    key: str
    name: str
    category: str
    deployment: str
    price_model: str
    clients: int = 0
    summary: str = ""


@dataclass(frozen=True, slots=True)
class ItemRef:
    spec: str  # spec code, e.g. "sme-2024"
    item: str  # item or scenario code within it


@dataclass(frozen=True, slots=True)
class Solution:
    key: str
    title: str
    summary: str = ""
    categories: tuple[str, ...] = ()
    items: tuple[ItemRef, ...] = ()
    industries: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    delivery_days: int | None = None
    light: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    key: str
    client_name: str
    client_uscc: str = ""  # set when the client is an enterprise on the portal: it may confirm
    division: str = ""
    scope: str = ""
    investment: Decimal | None = None
    before: str = ""
    after: str = ""
    year: int | None = None
    areas: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    facts: Facts = field(default_factory=Facts)
    qualifications: tuple[Qualification, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    new_tech: tuple[str, ...] = ()
    industries: tuple[Industry, ...] = ()
    apps: tuple[App, ...] = ()
    solutions: tuple[Solution, ...] = ()
    cases: tuple[Case, ...] = ()


@dataclass(frozen=True, slots=True)
class Parsed:
    profile: Profile
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Reader:
    """Collects problems while reading one untrusted JSON value into typed fields."""

    def __init__(self, today: dt.date, categories: frozenset[str], known_items: Mapping[str, frozenset[str]] | None):
        self.today = today
        self.categories = categories
        self.known_items = known_items
        self.problems: list[Problem] = []

    def fail(self, path: str, code: str) -> None:
        self.problems.append(Problem(path.lstrip("."), code))

    def text(self, data: Mapping, name: str, path: str, *, required: bool = False) -> str:
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{path}.{name}", "not_text")
            return ""
        value = value.strip()
        if "\x00" in value:
            self.fail(f"{path}.{name}", "not_text")
            return ""
        if required and not value:
            self.fail(f"{path}.{name}", "required")
        if len(value) > TEXT_MAX.get(name, 200):
            self.fail(f"{path}.{name}", "too_long")
            return value[: TEXT_MAX.get(name, 200)]
        return value

    def integer(self, data: Mapping, name: str, path: str, *, low: int = 0, high: int = 10_000_000,
                required: bool = False) -> int | None:
        value = data.get(name)
        if value in (None, ""):
            if required:
                self.fail(f"{path}.{name}", "required")
            return None
        if isinstance(value, bool):
            self.fail(f"{path}.{name}", "not_a_number")
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            self.fail(f"{path}.{name}", "not_a_number")
            return None
        if not low <= number <= high:
            self.fail(f"{path}.{name}", "out_of_range")
            return None
        return number

    def money(self, data: Mapping, name: str, path: str) -> Decimal | None:
        value = data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, (bool, float)):
            # Floats cannot carry money exactly; the editor always sends strings.
            value = str(value) if isinstance(value, float) else value
        try:
            amount = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.fail(f"{path}.{name}", "not_a_number")
            return None
        if not amount.is_finite() or amount < 0 or amount > MONEY_MAX:
            self.fail(f"{path}.{name}", "out_of_range")
            return None
        return amount.quantize(Decimal("0.01"))

    def codes(self, data: Mapping, name: str, path: str, allowed: Iterable[str] | None,
              pattern: re.Pattern | None = None, limit: int = 50) -> tuple[str, ...]:
        value = data.get(name) or []
        if not isinstance(value, list):
            self.fail(f"{path}.{name}", "not_a_list")
            return ()
        allowed = frozenset(allowed) if allowed is not None else None
        out: list[str] = []
        for code in value[:limit]:
            if not isinstance(code, str) or (allowed is not None and code not in allowed) or (
                    pattern is not None and not pattern.match(code)):
                self.fail(f"{path}.{name}", "unknown_code")
                continue
            if code not in out:
                out.append(code)
        if len(value) > limit:
            self.fail(f"{path}.{name}", "too_many")
        return tuple(out)

    def choice(self, data: Mapping, name: str, path: str, allowed: Iterable[str]) -> str:
        value = data.get(name)
        if value in (None, ""):
            self.fail(f"{path}.{name}", "required")
            return ""
        if value not in allowed:
            self.fail(f"{path}.{name}", "unknown_code")
            return ""
        return value

    def key(self, data: Mapping, path: str, seen: set[str]) -> str:
        value = data.get("key")
        if not isinstance(value, str) or not _KEY.match(value):
            self.fail(f"{path}.key", "bad_key")
            return ""
        if value in seen:
            self.fail(f"{path}.key", "duplicate")
        seen.add(value)
        return value

    def entries(self, document: Mapping, section: str) -> list[tuple[str, Mapping]]:
        value = document.get(section) or []
        if not isinstance(value, list):
            self.fail(section, "not_a_list")
            return []
        if len(value) > MAX_ENTRIES[section]:
            self.fail(section, "too_many")
            value = value[: MAX_ENTRIES[section]]
        out = []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.fail(f"{section}.{index}", "not_an_object")
                continue
            out.append((f"{section}.{index}", entry))
        return out


def parse(document: Any, *, today: dt.date, categories: Iterable[str],
          known_items: Mapping[str, frozenset[str]] | None = None) -> Parsed:
    """Read a stored or submitted document. Unknown keys are ignored; every problem is reported
    (not only the first) so the editor can mark each field. ``categories`` are the need-category
    codes; ``known_items`` (spec code → item and scenario codes) checks solution links when given."""
    reader = _Reader(today, frozenset(categories), known_items)
    if not isinstance(document, dict):
        return Parsed(Profile(), (Problem("", "not_an_object"),))
    facts = _facts(reader, document.get("facts") or {})
    qualifications = tuple(_qualification(reader, path, e, seen) for seen in [set()]
                           for path, e in reader.entries(document, "qualifications"))
    cases = tuple(_case(reader, path, e, seen) for seen in [set()] for path, e in reader.entries(document, "cases"))
    case_keys = {c.key for c in cases}
    capabilities = []
    seen_areas: set[str] = set()
    for path, entry in reader.entries(document, "capabilities"):
        area = reader.choice(entry, "area", path, CAPABILITY_CODES)
        if area in seen_areas:
            reader.fail(f"{path}.area", "duplicate")
        seen_areas.add(area)
        level = reader.integer(entry, "level", path, low=LEVEL_MIN, high=LEVEL_MAX, required=True)
        backing = reader.codes(entry, "cases", path, case_keys)
        capabilities.append(Capability(area, level or LEVEL_MIN, reader.text(entry, "description", path), backing))
    new_tech = reader.codes(document, "new_tech", "", NEW_TECH_CODES)
    industries = []
    seen_divisions: set[str] = set()
    for path, entry in reader.entries(document, "industries"):
        division = entry.get("division")
        if not isinstance(division, str) or not _DIVISION.match(division):
            reader.fail(f"{path}.division", "unknown_code")
            continue
        if division in seen_divisions:
            reader.fail(f"{path}.division", "duplicate")
        seen_divisions.add(division)
        industries.append(Industry(division, reader.integer(entry, "clients", path, high=1_000_000) or 0))
    apps = tuple(_app(reader, path, e, seen) for seen in [set()] for path, e in reader.entries(document, "apps"))
    solutions = tuple(_solution(reader, path, e, seen) for seen in [set()]
                      for path, e in reader.entries(document, "solutions"))
    profile = Profile(facts, qualifications, tuple(capabilities), new_tech, tuple(industries), apps, solutions, cases)
    return Parsed(profile, tuple(reader.problems))


def _facts(reader: _Reader, data: Any) -> Facts:
    if not isinstance(data, dict):
        reader.fail("facts", "not_an_object")
        return Facts()
    path = "facts"
    employees = reader.integer(data, "employees", path, high=2_000_000)
    rd_staff = reader.integer(data, "rd_staff", path, high=2_000_000)
    if employees is not None and rd_staff is not None and rd_staff > employees:
        reader.fail("facts.rd_staff", "more_than_employees")
    contacts = []
    raw_contacts = data.get("contacts") or []
    if not isinstance(raw_contacts, list):
        reader.fail("facts.contacts", "not_a_list")
        raw_contacts = []
    for index, entry in enumerate(raw_contacts[: MAX_ENTRIES["contacts"]]):
        cpath = f"facts.contacts.{index}"
        if not isinstance(entry, dict):
            reader.fail(cpath, "not_an_object")
            continue
        contacts.append(Contact(reader.text(entry, "name", cpath, required=True), reader.text(entry, "role", cpath),
                                reader.text(entry, "phone", cpath), reader.text(entry, "email", cpath)))
    return Facts(
        summary=reader.text(data, "summary", path),
        registered_capital=reader.money(data, "registered_capital", path),
        founded_year=reader.integer(data, "founded_year", path, low=1949, high=reader.today.year),
        employees=employees,
        rd_staff=rd_staff,
        website=reader.text(data, "website", path),
        service_regions=reader.codes(data, "service_regions", path, None, _REGION, MAX_ENTRIES["service_regions"]),
        contacts=tuple(contacts),
    )


def _date(reader: _Reader, data: Mapping, name: str, path: str) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        reader.fail(f"{path}.{name}", "not_a_date")
        return None


def _qualification(reader: _Reader, path: str, data: Mapping, seen: set[str]) -> Qualification:
    document = data.get("document")
    if document is not None and (isinstance(document, bool) or not isinstance(document, int)):
        reader.fail(f"{path}.document", "unknown_code")
        document = None
    return Qualification(
        key=reader.key(data, path, seen),
        kind=reader.choice(data, "kind", path, QUALIFICATION_CODES),
        name=reader.text(data, "name", path),
        number=reader.text(data, "number", path),
        issuer=reader.text(data, "issuer", path),
        expires=_date(reader, data, "expires", path),
        document=document,
    )


def _app(reader: _Reader, path: str, data: Mapping, seen: set[str]) -> App:
    return App(
        key=reader.key(data, path, seen),
        name=reader.text(data, "name", path, required=True),
        category=reader.choice(data, "category", path, APP_CATEGORY_CODES),
        deployment=reader.choice(data, "deployment", path, DEPLOYMENT_CODES),
        price_model=reader.choice(data, "price_model", path, PRICE_MODEL_CODES),
        clients=reader.integer(data, "clients", path, high=1_000_000) or 0,
        summary=reader.text(data, "summary", path),
    )


def _solution(reader: _Reader, path: str, data: Mapping, seen: set[str]) -> Solution:
    items: list[ItemRef] = []
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        reader.fail(f"{path}.items", "not_a_list")
        raw_items = []
    for entry in raw_items[:100]:
        if not isinstance(entry, dict) or not isinstance(entry.get("spec"), str) or not isinstance(
                entry.get("item"), str):
            reader.fail(f"{path}.items", "unknown_code")
            continue
        ref = ItemRef(entry["spec"], entry["item"])
        if reader.known_items is not None and ref.item not in reader.known_items.get(ref.spec, frozenset()):
            reader.fail(f"{path}.items", "unknown_code")
            continue
        if ref not in items:
            items.append(ref)
    price_min = reader.money(data, "price_min", path)
    price_max = reader.money(data, "price_max", path)
    if price_min is not None and price_max is not None and price_max < price_min:
        reader.fail(f"{path}.price_max", "below_minimum")
    categories = reader.codes(data, "categories", path, reader.categories)
    if not categories:
        reader.fail(f"{path}.categories", "required")
    return Solution(
        key=reader.key(data, path, seen),
        title=reader.text(data, "title", path, required=True),
        summary=reader.text(data, "summary", path),
        categories=categories,
        items=tuple(items),
        industries=reader.codes(data, "industries", path, None, _DIVISION),
        areas=reader.codes(data, "areas", path, CAPABILITY_CODES),
        price_min=price_min,
        price_max=price_max,
        delivery_days=reader.integer(data, "delivery_days", path, low=1, high=3650),
        light=bool(data.get("light") is True),
    )


def _case(reader: _Reader, path: str, data: Mapping, seen: set[str]) -> Case:
    uscc = reader.text(data, "client_uscc", path)
    if uscc and not _USCC.match(uscc):
        reader.fail(f"{path}.client_uscc", "unknown_code")
        uscc = ""
    division = data.get("division") or ""
    if division and (not isinstance(division, str) or not _DIVISION.match(division)):
        reader.fail(f"{path}.division", "unknown_code")
        division = ""
    return Case(
        key=reader.key(data, path, seen),
        client_name=reader.text(data, "client_name", path, required=True),
        client_uscc=uscc,
        division=division,
        scope=reader.text(data, "scope", path),
        investment=reader.money(data, "investment", path),
        before=reader.text(data, "before", path),
        after=reader.text(data, "after", path),
        year=reader.integer(data, "year", path, low=1990, high=reader.today.year),
        areas=reader.codes(data, "areas", path, CAPABILITY_CODES),
    )


# ─── Completeness ────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class Completeness:
    share: Decimal  # 0–1
    missing: tuple[str, ...]  # section names still empty


def completeness(profile: Profile) -> Completeness:
    """Which sections a useful profile has filled; the provider's home card shows the share and
    what is missing. Each section counts once: a long app list does not hide an empty case list."""
    facts = profile.facts
    filled = {
        "facts": bool(facts.summary and facts.founded_year and facts.employees and facts.contacts),
        "qualifications": bool(profile.qualifications),
        "capabilities": bool(profile.capabilities),
        "new_tech": bool(profile.new_tech),
        "industries": bool(profile.industries),
        "apps": bool(profile.apps),
        "solutions": bool(profile.solutions),
        "cases": bool(profile.cases),
    }
    missing = tuple(name for name in SECTIONS if not filled[name])
    share = (Decimal(len(SECTIONS) - len(missing)) / Decimal(len(SECTIONS))).quantize(Decimal("0.01"))
    return Completeness(share, missing)


# ─── Diff ────────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class Change:
    section: str
    kind: str  # "added", "removed", "changed"
    label: str  # the entry's name or title, for people
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, before, after) for "changed"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, ItemRef):
        return f"{value.spec}:{value.item}"
    if isinstance(value, Contact):
        return " ".join(p for p in (value.name, value.role, value.phone, value.email) if p)
    return str(value)


def _fields(before: Any, after: Any) -> tuple[tuple[str, str, str], ...]:
    out = []
    for name in before.__dataclass_fields__:
        if name == "key":
            continue
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            out.append((name, _plain(old), _plain(new)))
    return tuple(out)


def _label(entry: Any) -> str:
    for name in ("name", "title", "client_name", "area", "division", "kind"):
        value = getattr(entry, name, "")
        if value:
            return str(value)
    return ""


def diff(before: Profile, after: Profile) -> tuple[Change, ...]:
    """What changed from one version to the next, section by section, in document order."""
    changes: list[Change] = []
    changed = _fields(before.facts, after.facts)
    if changed:
        changes.append(Change("facts", "changed", "", changed))
    if before.new_tech != after.new_tech:
        changes.append(Change("new_tech", "changed", "", (("new_tech", _plain(before.new_tech),
                                                            _plain(after.new_tech)),)))
    identity = {"qualifications": "key", "apps": "key", "solutions": "key", "cases": "key",
                "capabilities": "area", "industries": "division"}
    for section, ident in identity.items():
        old = {getattr(e, ident): e for e in getattr(before, section)}
        new = {getattr(e, ident): e for e in getattr(after, section)}
        for key, entry in new.items():
            if key not in old:
                changes.append(Change(section, "added", _label(entry)))
            elif old[key] != entry:
                changes.append(Change(section, "changed", _label(entry), _fields(old[key], entry)))
        for key, entry in old.items():
            if key not in new:
                changes.append(Change(section, "removed", _label(entry)))
    return tuple(changes)


def expired_qualifications(profile: Profile, today: dt.date) -> tuple[Qualification, ...]:
    return tuple(q for q in profile.qualifications if q.expires is not None and q.expires < today)
