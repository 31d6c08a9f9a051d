"""Forms of the programme pages. A version's parameters and conditions are entered through fields
made from the instrument's parameter list (subsidies/rules.py PARAM_SPECS), never as raw JSON: a
value, how certain it is (verified / provisional / secondary) and its source per parameter; tables
(bands, levels, milestones) one row per line with the columns separated by "|"."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Enterprise, Region
from portal.reference import INDUSTRY_SECTIONS
from portal.roles import staff_region_path
from subsidies import labels, rules
from subsidies.models import Instrument
from subsidies.programmes.services import districts_of

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0), "max_value": rules.MONEY_MAX}
CONFIDENCE_CHOICES = [(c, labels.CONFIDENCE_LABELS[c]) for c in rules.CONFIDENCES]

TABLE_HELP = {
    "bands": gettext_lazy("One band per line: from (yuan) | up to (yuan, empty for no upper end) | share "
                          "(e.g. 0.2) | cap (yuan, empty for none)."),
    "levels": gettext_lazy("One level per line: level code (e.g. L3) | reward (yuan)."),
    "milestones": gettext_lazy("One milestone per line: code | name | share of the funding (the shares add up "
                               "to 1)."),
}
TABLE_COLUMNS = {"bands": ("lower", "upper", "rate", "cap"), "levels": ("level", "amount"),
                 "milestones": ("code", "label", "share")}


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40,
                           help_text=gettext_lazy("Letters, digits and hyphens, e.g. sz-service-voucher."))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    instrument = forms.ChoiceField(label=gettext_lazy("Instrument"), choices=Instrument.choices)
    issuing_body = forms.CharField(label=gettext_lazy("Issuing body"), max_length=120)
    region = forms.ModelChoiceField(label=gettext_lazy("Region covered"), queryset=Region.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        path = staff_region_path(user) or "\x00none"
        self.fields["region"].queryset = Region.objects.filter(
            path__startswith=path, level__in=[Region.Level.CITY, Region.Level.DISTRICT]).order_by("path")


def _table_text(name: str, value) -> str:
    columns = TABLE_COLUMNS[name]
    lines = []
    for row in value or []:
        if isinstance(row, dict):
            lines.append(" | ".join("" if row.get(c) is None else str(row.get(c)) for c in columns))
    return "\n".join(lines)


def _table_rows(name: str, text: str) -> list[dict]:
    columns = TABLE_COLUMNS[name]
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > len(columns):
            raise ValidationError(_("Too many columns in “%(line)s”.") % {"line": line[:60]})
        cells += [""] * (len(columns) - len(cells))
        row = dict(zip(columns, cells, strict=True))
        if name == "bands":
            row = {k: (v or None) if k in ("upper", "cap") else v for k, v in row.items()}
        rows.append(row)
    return rows


class VersionForm(forms.Form):
    document_number = forms.CharField(label=gettext_lazy("Policy document number (文号)"), max_length=80)
    document_title = forms.CharField(label=gettext_lazy("Policy document title"), max_length=200)
    document_url = forms.URLField(label=gettext_lazy("Policy document link"), required=False, max_length=200,
                                   assume_scheme="https")
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), **DATE)
    effective_to = forms.DateField(label=gettext_lazy("Effective until"), **DATE)
    applications_open = forms.DateField(label=gettext_lazy("Applications open"), **DATE)
    applications_close = forms.DateField(label=gettext_lazy("Applications close"), **DATE)
    budget_total = forms.DecimalField(label=gettext_lazy("Total budget (yuan)"), **MONEY)
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=4000, required=False, widget=forms.Textarea)

    # Conditions
    cond_regions = forms.MultipleChoiceField(label=gettext_lazy("Only enterprises registered in"), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    cond_above_scale = forms.BooleanField(label=gettext_lazy("Only enterprises above designated size (规上)"),
                                          required=False)
    cond_industries = forms.MultipleChoiceField(label=gettext_lazy("Only these industries"), required=False,
                                                choices=[(c, f"{c} {n}") for c, (n, _r) in INDUSTRY_SECTIONS.items()],
                                                widget=forms.CheckboxSelectMultiple)
    cond_clusters = forms.MultipleChoiceField(label=gettext_lazy("Only these clusters"), required=False,
                                              choices=Enterprise.CLUSTER_CHOICES, widget=forms.CheckboxSelectMultiple)
    cond_level_standard = forms.ChoiceField(label=gettext_lazy("Minimum level: standard"), required=False)
    cond_level = forms.CharField(label=gettext_lazy("Minimum level: level code (e.g. L3)"), required=False,
                                 max_length=32)
    cond_score_standard = forms.ChoiceField(label=gettext_lazy("Minimum score: standard"), required=False)
    cond_score = forms.DecimalField(label=gettext_lazy("Minimum score"), required=False, min_value=0,
                                    max_value=1000, decimal_places=2, max_digits=7)
    cond_recent_months = forms.IntegerField(label=gettext_lazy("Diagnosis at most this many months old"),
                                            required=False, min_value=1, max_value=120)
    cond_recent_standard = forms.ChoiceField(label=gettext_lazy("…on this standard (any if empty)"),
                                             required=False)
    cond_min_age = forms.IntegerField(label=gettext_lazy("Established at least this many years ago"),
                                      required=False, min_value=1, max_value=120)
    cond_pool_provider = forms.BooleanField(label=gettext_lazy("The service must come from a pool provider"),
                                            required=False)
    cond_once_per_year = forms.BooleanField(label=gettext_lazy("Once per enterprise per year"), required=False)
    cond_once_per_enterprise = forms.BooleanField(label=gettext_lazy("Once per enterprise"), required=False)
    cond_attestations = forms.CharField(label=gettext_lazy("Declarations by the enterprise (one per line)"),
                                        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        from diagnosis.spec import load_all_specs

        self.programme = programme
        standards = sorted({(s.code, s.title) for s in load_all_specs().values()})
        for name in ("cond_level_standard", "cond_score_standard", "cond_recent_standard"):
            self.fields[name].choices = [("", "—"), *standards]
        self.fields["cond_regions"].choices = [
            (r.code, r.name) for r in Region.objects.filter(path__startswith=programme.region.path)
            .exclude(level=Region.Level.PARK).order_by("path")]
        self.param_names = []
        for name, kind, _convert in rules.PARAM_SPECS[programme.instrument] + rules.OPTIONAL_PARAMS:
            title = labels.PARAM_TITLES[name]
            required = (name, kind, _convert) not in rules.OPTIONAL_PARAMS
            if kind in TABLE_COLUMNS:
                self.fields[f"p_{name}"] = forms.CharField(label=title, required=required, max_length=4000,
                                                          widget=forms.Textarea(attrs={"rows": 4}),
                                                          help_text=TABLE_HELP[kind])
            elif kind == "standard":
                self.fields[f"p_{name}"] = forms.ChoiceField(label=title, choices=standards)
            elif kind == "step":
                self.fields[f"p_{name}"] = forms.ChoiceField(
                    label=title, required=False,
                    choices=[("", _("0.01 yuan (default)")), *[(str(s), str(s)) for s in rules.ROUNDING_STEPS]])
            else:
                self.fields[f"p_{name}"] = forms.CharField(label=title, required=required, max_length=64)
            self.fields[f"p_{name}_confidence"] = forms.ChoiceField(label=_("Certainty"), choices=CONFIDENCE_CHOICES,
                                                                    required=required)
            self.fields[f"p_{name}_source"] = forms.CharField(label=_("Source"), required=False, max_length=300)
            self.param_names.append((name, kind))
        self.districts = list(districts_of(programme.region))
        for region in self.districts:
            self.fields[f"budget_{region.code}"] = forms.DecimalField(
                label=_("Budget of %(district)s (yuan)") % {"district": region.name}, required=False, **MONEY)

    def document_fields(self):
        return [self[n] for n in ("document_number", "document_title", "document_url", "effective_from",
                                  "effective_to", "applications_open", "applications_close", "notes")]

    def condition_fields(self):
        return [self[n] for n in self.fields if n.startswith("cond_")]

    def param_rows(self):
        """Field triples per parameter, for the template."""
        return [(self[f"p_{n}"], self[f"p_{n}_confidence"], self[f"p_{n}_source"]) for n, _k in self.param_names]

    def budget_fields(self):
        return [self[f"budget_{r.code}"] for r in self.districts]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        params: dict = {}
        for name, kind in self.param_names:
            raw = data.get(f"p_{name}")
            if kind == "step" and not raw:
                continue
            if kind in TABLE_COLUMNS:
                try:
                    raw = _table_rows(kind, raw or "")
                except ValidationError as error:
                    self.add_error(f"p_{name}", error)
                    continue
            elif kind in ("count", "years") and raw not in (None, ""):
                raw = raw.strip()
            params[name] = {"value": raw, "source": data.get(f"p_{name}_source", ""),
                            "confidence": data.get(f"p_{name}_confidence")}
        conditions: list[dict] = []
        if data["cond_regions"]:
            conditions.append({"kind": "region", "values": data["cond_regions"]})
        if data["cond_above_scale"]:
            conditions.append({"kind": "above_scale"})
        if data["cond_industries"]:
            conditions.append({"kind": "industry", "values": data["cond_industries"]})
        if data["cond_clusters"]:
            conditions.append({"kind": "cluster", "values": data["cond_clusters"]})
        if data["cond_level_standard"] or data["cond_level"]:
            conditions.append({"kind": "min_level", "standard": data["cond_level_standard"],
                               "level": data["cond_level"]})
        if data["cond_score_standard"] or data["cond_score"] is not None:
            conditions.append({"kind": "min_score", "standard": data["cond_score_standard"],
                               "score": "" if data["cond_score"] is None else str(data["cond_score"])})
        if data["cond_recent_months"]:
            conditions.append({"kind": "recent_diagnosis", "months": data["cond_recent_months"],
                               "standard": data["cond_recent_standard"]})
        if data["cond_min_age"]:
            conditions.append({"kind": "min_age", "years": data["cond_min_age"]})
        for kind in ("pool_provider", "once_per_year", "once_per_enterprise"):
            if data[f"cond_{kind}"]:
                conditions.append({"kind": kind})
        for line in (data["cond_attestations"] or "").splitlines():
            if line.strip():
                conditions.append({"kind": "attestation", "text": line.strip()})
        try:
            rules.parse_params(self.programme.instrument, params)
        except rules.RuleError as error:
            self.add_error(None, _("The parameters cannot be used: %(problems)s") % {
                "problems": labels.problems_text(error.problems)})
        try:
            rules.parse_conditions(conditions)
        except rules.RuleError as error:
            self.add_error(None, _("The conditions cannot be used: %(problems)s") % {
                "problems": labels.problems_text(error.problems)})
        data["params"], data["conditions"] = params, conditions
        data["districts"] = {r.code: data.get(f"budget_{r.code}") for r in self.districts}
        return data


def version_initial(version) -> dict:
    """A stored version as the form's initial values (for a new draft or an edit)."""
    if version is None:
        return {}
    initial = {f: getattr(version, f) for f in ("document_number", "document_title", "document_url",
                                                "effective_from", "effective_to", "applications_open",
                                                "applications_close", "budget_total", "notes")}
    for name, entry in (version.params or {}).items():
        if not isinstance(entry, dict):
            continue
        value = entry.get("value")
        initial[f"p_{name}"] = _table_text(name, value) if name in TABLE_COLUMNS else ("" if value is None else value)
        initial[f"p_{name}_confidence"] = entry.get("confidence")
        initial[f"p_{name}_source"] = entry.get("source", "")
    attestations = []
    for c in version.conditions or []:
        kind = c.get("kind")
        if kind == "region":
            initial["cond_regions"] = c.get("values")
        elif kind == "industry":
            initial["cond_industries"] = c.get("values")
        elif kind == "cluster":
            initial["cond_clusters"] = c.get("values")
        elif kind == "min_level":
            initial |= {"cond_level_standard": c.get("standard"), "cond_level": c.get("level")}
        elif kind == "min_score":
            initial |= {"cond_score_standard": c.get("standard"), "cond_score": c.get("score")}
        elif kind == "recent_diagnosis":
            initial |= {"cond_recent_months": c.get("months"), "cond_recent_standard": c.get("standard", "")}
        elif kind == "min_age":
            initial["cond_min_age"] = c.get("years")
        elif kind in ("above_scale", "pool_provider", "once_per_year", "once_per_enterprise"):
            initial[f"cond_{kind}"] = True
        elif kind == "attestation":
            attestations.append(c.get("text", ""))
    initial["cond_attestations"] = "\n".join(attestations)
    for line in version.budget_lines.select_related("region"):
        if line.region is not None:
            initial[f"budget_{line.region.code}"] = line.allocated
    return initial
