"""Reads for the bureau review: the scoped queue with its filters, the review sheet (every answer
beside its evidence, self-declared vs verified score) and the expert's assignments.

Scoping is Assessment.objects.visible_to and nothing else (docs/security.md R7): every filter here only
narrows that set."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet

from diagnosis.fill.questionnaire import Section, describe_value, sections
from diagnosis.models import Assessment, Evidence, ExpertAssignment, ItemCorrection
from diagnosis.spec import Item, get_spec, load_all_specs
from diagnosis.templatetags.diagnosis_tags import local_title, spec_label
from portal.models import Region, User
from portal.reference import INDUSTRY_DIVISIONS
from portal.roles import StaffRole, staff_region_path

QUEUE_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.RETURNED, Assessment.Status.APPROVED)
ALL_STATUSES = "all"

# Sort keys offered in the queue → ORM ordering. Unscored columns sort last either way.
SORTS: dict[str, tuple] = {
    "submitted": (F("submitted_at").asc(nulls_last=True),),
    "-submitted": (F("submitted_at").desc(nulls_last=True),),
    "enterprise": ("enterprise__name",),
    "-enterprise": ("-enterprise__name",),
    "total": (F("total").asc(nulls_last=True),),
    "-total": (F("total").desc(nulls_last=True),),
    "verified": (F("verified_total").asc(nulls_last=True),),
    "-verified": (F("verified_total").desc(nulls_last=True),),
    "status": ("status",),
    "-status": ("-status",),
}
DEFAULT_SORT = "submitted"  # oldest submission first: the queue is worked in arrival order


@dataclass(frozen=True)
class QueueFilters:
    spec_key: str = ""
    level: str = ""
    industry: str = ""
    status: str = Assessment.Status.SUBMITTED
    submitted_from: date | None = None
    submitted_to: date | None = None
    district: Region | None = None
    sort: str = DEFAULT_SORT

    def as_audit(self) -> dict[str, str]:
        """The filters as plain strings for the export's audit row (empty ones left out)."""
        values = {
            "spec": self.spec_key, "level": self.level, "industry": self.industry, "status": self.status,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else "",
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else "",
            "district": self.district.code if self.district else "", "sort": self.sort,
        }
        return {key: value for key, value in values.items() if value}


def districts_for(user) -> QuerySet:
    """The districts a bureau user may narrow the queue to: those inside their own jurisdiction
    (for district staff, just their district). Everyone else: none."""
    path = staff_region_path(user)
    if path is None:
        return Region.objects.none()
    return Region.objects.filter(level=Region.Level.DISTRICT, path__startswith=path)


def spec_choices() -> list[tuple[str, str]]:
    """The standards by name (spec_label), keyed by spec key."""
    return [(key, spec_label(spec)) for key, spec in sorted(load_all_specs().items())]


def level_choices(spec_key: str) -> list[tuple[str, str]]:
    """The levels of one standard by name, keyed by level code; none for an unknown key."""
    spec = load_all_specs().get(spec_key)
    return [(grade.code, local_title(grade)) for grade in spec.levels] if spec else []


def level_codes_any_spec() -> list[tuple[str, str]]:
    """Every level code of any standard, each once, labelled with the names it has in each: what a
    filter by level alone (no standard chosen) matches."""
    names: dict[str, list[str]] = {}
    for _key, spec in sorted(load_all_specs().items()):
        for grade in spec.levels:
            title = local_title(grade)
            if title not in names.setdefault(grade.code, []):
                names[grade.code].append(title)
    return sorted((code, " / ".join(titles)) for code, titles in names.items())


def industry_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {name}") for code, name in sorted(INDUSTRY_DIVISIONS.items())]


def review_queue(user, filters: QueueFilters) -> QuerySet:
    """Assessments in the user's scope, narrowed by `filters`, in the chosen order."""
    assessments = Assessment.objects.visible_to(user).select_related("enterprise__region", "reviewed_by")
    if filters.status != ALL_STATUSES:
        assessments = assessments.filter(status=filters.status)
    if filters.spec_key:
        code, _at, version = filters.spec_key.partition("@")
        assessments = assessments.filter(spec_code=code, spec_version=version)
    if filters.level:
        assessments = assessments.filter(level=filters.level)
    if filters.industry:
        assessments = assessments.filter(enterprise__industry_division=filters.industry)
    if filters.submitted_from:
        assessments = assessments.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        assessments = assessments.filter(submitted_at__date__lte=filters.submitted_to)
    if filters.district is not None:
        # The same subtree rule as the scope itself, so parks inside the district come along.
        assessments = assessments.filter(enterprise__region__path__startswith=filters.district.path)
    return assessments.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]), "pk")


@dataclass(frozen=True)
class QueueRow:
    """One queue line, as both the page and the Excel export show it."""

    pk: int
    enterprise: str
    uscc: str
    district: str
    industry: str
    spec_key: str
    spec_title: str
    status: str
    status_label: str
    submitted_at: datetime | None
    total: Decimal | None
    level: str
    verified_total: Decimal | None
    verified_level: str
    reviewed_by: str
    reviewed_at: datetime | None


def _level_title(spec_key: str, code: str) -> str:
    if not code:
        return ""
    spec = load_all_specs().get(spec_key)
    grade = next((g for g in spec.levels if g.code == code), None) if spec else None
    return local_title(grade) if grade else code


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def queue_rows(assessments) -> list[QueueRow]:
    specs = load_all_specs()
    rows = []
    for a in assessments:
        spec = specs.get(a.spec_key)
        division = a.enterprise.industry_division
        rows.append(QueueRow(
            pk=a.pk, enterprise=a.enterprise.name, uscc=a.enterprise.uscc, district=a.enterprise.region.name,
            industry=f"{division} {INDUSTRY_DIVISIONS.get(division, '')}".strip(), spec_key=a.spec_key,
            spec_title=spec_label(spec) if spec else a.spec_key, status=a.status, status_label=a.get_status_display(),
            submitted_at=a.submitted_at, total=a.total, level=_level_title(a.spec_key, a.level),
            verified_total=a.verified_total, verified_level=_level_title(a.spec_key, a.verified_level),
            reviewed_by=_display_name(a.reviewed_by), reviewed_at=a.reviewed_at,
        ))
    return rows


def expert_pool(assessment: Assessment) -> QuerySet:
    """Active experts not yet assigned to `assessment` and not members of its enterprise (R9)."""
    return (User.objects.filter(staff_role=StaffRole.EXPERT, is_active=True)
            .exclude(expert_assignments__assessment=assessment)
            .exclude(memberships__enterprise_id=assessment.enterprise_id)
            .order_by("first_name", "username"))


def assignments_for_expert(user) -> QuerySet:
    """The expert's own assignments, still limited by the assessment scope (drafts never show)."""
    visible = Assessment.objects.visible_to(user).values("pk")
    return (ExpertAssignment.objects.filter(expert=user, assessment__in=visible)
            .select_related("assessment__enterprise__region", "assigned_by")
            .order_by("-status", "-assigned_at", "-pk"))  # "open" before "done"


def assignments_of(assessment: Assessment) -> QuerySet:
    return assessment.expert_assignments.select_related("expert", "assigned_by").order_by("assigned_at", "pk")


def site_visits_of(assessment: Assessment) -> QuerySet:
    return assessment.site_visits.select_related("recorded_by")


# --- the review sheet ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Titled:
    """Anything with a Chinese title and an optional English one, for the `local_title` filter."""

    code: str
    title: str
    title_en: str


@dataclass(frozen=True)
class Points:
    points: str | None
    max_points: str | None
    reason: str


@dataclass(frozen=True)
class ItemRow:
    item: Item
    declared_value: Any
    declared_text: str
    declared: Points
    verified: Points | None  # None until a verified score exists
    correction: ItemCorrection | None
    corrected_text: str
    evidence: tuple[Evidence, ...]

    @property
    def current_value(self) -> Any:
        """The value the verified score uses: the correction's, else the declared one."""
        return self.correction.verified_value if self.correction else self.declared_value


@dataclass(frozen=True)
class DimensionRow:
    dimension: Titled
    depth: int
    declared: Points
    verified: Points | None

    @property
    def changed(self) -> bool:
        return self.verified is not None and self.verified.points != self.declared.points


@dataclass(frozen=True)
class ReviewSheet:
    spec_title: Titled
    sections: tuple[tuple[Section, tuple[ItemRow, ...]], ...]
    dimensions: tuple[DimensionRow, ...]
    corrected: tuple[ItemRow, ...]
    declared_level: Titled | None
    verified_level: Titled | None
    declared_stage: Titled | None
    verified_stage: Titled | None
    evidence_count: int


def _grade(result: dict | None, key: str) -> Titled | None:
    grade = (result or {}).get(key)
    return Titled(grade["code"], grade["title"], grade.get("title_en", "")) if grade else None


def _item_points(result: dict | None) -> dict[str, Points]:
    return {i["code"]: Points(i["points"], i["max_points"], i["reason"]) for i in (result or {}).get("items", [])}


def _dimension_rows(declared: list[dict], verified: list[dict] | None) -> list[DimensionRow]:
    """Depth-first over the declared result's dimension tree, each node beside its verified twin."""
    verified_by_code: dict[str, dict] = {}
    stack = list(verified or [])
    while stack:
        node = stack.pop()
        verified_by_code[node["code"]] = node
        stack.extend(node["children"])
    rows: list[DimensionRow] = []

    def walk(nodes: list[dict], depth: int) -> None:
        for node in nodes:
            twin = verified_by_code.get(node["code"])
            rows.append(DimensionRow(
                Titled(node["code"], node["title"], node.get("title_en", "")), depth,
                Points(node["points"], node["max_points"], ""),
                Points(twin["points"], twin["max_points"], "") if twin else None,
            ))
            walk(node["children"], depth + 1)

    walk(declared, 0)
    return rows


def review_sheet(assessment: Assessment) -> ReviewSheet:
    """Everything the review page shows about the submitted answers, read in four queries."""
    spec = get_spec(assessment.spec_key)
    answers = assessment.submitted_answers or {}
    declared_points = _item_points(assessment.result)
    verified_points = _item_points(assessment.verified_result) if assessment.verified_result else None
    corrections = {c.item_code: c for c in assessment.corrections.select_related("corrected_by")}
    evidence: dict[str, list[Evidence]] = {}
    for ev in assessment.evidence.all():
        evidence.setdefault(ev.item_code, []).append(ev)
    no_points = Points(None, None, "")
    by_section = []
    for section in sections(spec):
        rows = []
        for code in section.item_codes:
            if code not in answers:
                continue  # not asked of this enterprise (hidden by its earlier answers or context)
            item = spec.items[code]
            correction = corrections.get(code)
            rows.append(ItemRow(
                item=item, declared_value=answers[code], declared_text=describe_value(item, answers[code]),
                declared=declared_points.get(code, no_points),
                verified=verified_points.get(code, no_points) if verified_points is not None else None,
                correction=correction,
                corrected_text=describe_value(item, correction.verified_value) if correction else "",
                evidence=tuple(evidence.get(code, ())),
            ))
        if rows:
            by_section.append((section, tuple(rows)))
    every_row = [row for _section, rows in by_section for row in rows]
    result = assessment.result or {}
    return ReviewSheet(
        spec_title=Titled(spec.key, spec.title, spec.title_en),
        sections=tuple(by_section),
        dimensions=tuple(_dimension_rows(result.get("dimensions", []),
                                         (assessment.verified_result or {}).get("dimensions"))),
        corrected=tuple(row for row in every_row if row.correction is not None),
        declared_level=_grade(assessment.result, "level"),
        verified_level=_grade(assessment.verified_result, "level"),
        declared_stage=_grade(assessment.result, "stage"),
        verified_stage=_grade(assessment.verified_result, "stage"),
        evidence_count=sum(len(row.evidence) for row in every_row),
    )
