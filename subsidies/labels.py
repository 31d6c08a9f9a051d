"""Words for subsidies/rules.py: the pure module returns message keys with parameters; this module
turns them into translated, plain sentences for pages, the PDF and error messages."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import rules

PARAM_TITLES = {
    "share": gettext_lazy("Share of the price paid by the voucher"),
    "cap": gettext_lazy("Cap (yuan)"),
    "per_enterprise": gettext_lazy("Vouchers per enterprise"),
    "min_spend": gettext_lazy("Minimum spend (yuan)"),
    "bands": gettext_lazy("Investment bands"),
    "first_year_share": gettext_lazy("Share of interest subsidised in the first year"),
    "yearly_decline": gettext_lazy("Decline of the share per year (points)"),
    "term_years": gettext_lazy("Term (years)"),
    "standard": gettext_lazy("Standard"),
    "levels": gettext_lazy("Reward per level"),
    "amount": gettext_lazy("Grant (yuan)"),
    "max_share": gettext_lazy("At most this share of the investment"),
    "rate": gettext_lazy("Share of the project investment funded"),
    "milestones": gettext_lazy("Milestones"),
    "round_to": gettext_lazy("Rounding step (yuan)"),
    "investment": gettext_lazy("Planned investment or service price"),
}

CONFIDENCE_LABELS = {
    rules.VERIFIED: gettext_lazy("Verified in the policy text"),
    rules.PROPOSED: gettext_lazy("Provisional (policy text not found)"),
    rules.SECONDARY: gettext_lazy("Provisional (secondary source)"),
}

CONDITION_TITLES = {
    "region": gettext_lazy("Registered in the region"),
    "above_scale": gettext_lazy("Above designated size (规上)"),
    "industry": gettext_lazy("Industry"),
    "cluster": gettext_lazy("Strategic cluster"),
    "min_level": gettext_lazy("Minimum level"),
    "min_score": gettext_lazy("Minimum score"),
    "recent_diagnosis": gettext_lazy("Recent diagnosis"),
    "pool_provider": gettext_lazy("Service from a pool provider"),
    "once_per_year": gettext_lazy("Once per enterprise per year"),
    "once_per_enterprise": gettext_lazy("Once per enterprise"),
    "min_age": gettext_lazy("Years since establishment"),
    "attestation": gettext_lazy("Declared by the enterprise"),
}


def money(value) -> str:
    """¥ with thousands separators; whole ten-thousands as 万元 for readability."""
    if value is None:
        return _("no cap")
    value = Decimal(value)
    if value >= 100000000 and value % 1000000 == 0:
        return _("%(amount)s × ¥100M") % {"amount": f"{value / 100000000:,.2f}".rstrip("0").rstrip(".")}
    if value >= 10000 and value % 10000 == 0:
        return _("%(amount)s × ¥10k") % {"amount": f"{value / 10000:,.0f}"}
    return _("¥%(amount)s") % {"amount": f"{value:,.2f}"}


def percent(value) -> str:
    value = Decimal(value) * 100
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


def _join(values) -> str:
    return "、".join(str(v) for v in values)


def standard_title(code: str) -> str:
    from diagnosis.spec import latest_spec

    try:
        return latest_spec(code).title
    except Exception:  # an unknown code is shown as typed
        return code


def level_title(standard: str, level: str) -> str:
    from diagnosis.spec import latest_spec

    try:
        spec = latest_spec(standard)
    except Exception:
        return level
    for entry in spec.levels:
        if entry.code == level:
            return entry.title
    return level


@cache
def _all_region_names() -> dict[str, str]:
    """Reference data (portal.reference.REGIONS), read once per process."""
    from portal.reference import REGIONS

    return {r.code: r.name for r in REGIONS}


def _region_names(codes) -> str:
    names = _all_region_names()
    return _join(names.get(code, code) for code in codes)


def _cluster_names(codes) -> str:
    from portal.models import Enterprise

    names = dict(Enterprise.CLUSTER_CHOICES)
    return _join(names.get(code, code) for code in codes)


def _industry_names(codes) -> str:
    from portal.reference import INDUSTRY_SECTIONS

    return _join(f"{code} {INDUSTRY_SECTIONS[code][0]}" if code in INDUSTRY_SECTIONS else code for code in codes)


def problem_message(problem: rules.Problem) -> str:
    """One problem of a refused document or input, in words, with where it is."""
    args = dict(problem.args)
    messages = {
        "required": _("a value is required"),
        "not_a_number": _("not a number"),
        "not_text": _("not text"),
        "nul_byte": _("contains a forbidden character"),
        "too_long": _("too long (at most %(limit)s characters)"),
        "negative": _("cannot be negative"),
        "not_positive": _("must be more than zero"),
        "absurd_amount": _("is implausibly large (at most ¥10 billion)"),
        "too_many_decimals": _("at most two decimals (fen), please"),
        "rate_range": _("a share lies between 0 and 1 (e.g. 0.3 for 30 %%)"),
        "rate_decimals": _("a share has at most four decimals"),
        "int_range": _("a whole number from %(low)s to %(high)s"),
        "missing_param": _("this parameter is missing: give a value and mark it provisional if the policy "
                           "text was not found"),
        "bad_confidence": _("say how certain the value is (verified, provisional or secondary)"),
        "source_required": _("a verified or secondary value needs its source"),
        "rounding_step": _("the rounding step is 0.01, 1, 100 or 10000 yuan"),
        "bands_required": _("at least one investment band is needed"),
        "bad_row": _("this row cannot be read"),
        "bands_start_at_zero": _("the first band starts at 0"),
        "bands_contiguous": _("each band starts where the one before it ends"),
        "band_empty": _("a band ends above where it starts"),
        "bands_open_end": _("the last band has no upper end"),
        "levels_required": _("at least one level with its reward is needed"),
        "levels_duplicate": _("a level is listed twice"),
        "milestones_required": _("at least one milestone is needed"),
        "milestones_duplicate": _("a milestone code is listed twice"),
        "milestones_sum": _("the milestones' shares add up to 1 (100 %%)"),
        "unknown_instrument": _("unknown instrument"),
        "params_not_mapping": _("the parameters cannot be read"),
        "unknown_param": _("not a parameter of this instrument"),
        "conditions_not_list": _("the conditions cannot be read"),
        "too_many_conditions": _("too many conditions (at most %(max)s)"),
        "unknown_condition": _("unknown condition"),
        "values_required": _("choose at least one value"),
        "score_range": _("a score lies between 0 and 1000"),
        "too_many_years": _("at most %(max)s years"),
        "unknown_milestone": _("unknown milestone %(code)s"),
    }
    try:
        text = messages.get(problem.key, problem.key) % args
    except (KeyError, TypeError, ValueError):
        text = messages.get(problem.key, problem.key)
    where = problem.where.split(".")[0]
    title = PARAM_TITLES.get(where) or CONDITION_TITLES.get(where)
    if where == "conditions":
        title = _("Condition %(n)s") % {"n": problem.where.partition(".")[2] or "?"}
    if title:
        suffix = problem.where.partition(".")[2]
        if suffix and where != "conditions":
            return _("%(field)s, row %(row)s: %(text)s") % {"field": title, "row": suffix, "text": text}
        return f"{title}: {text}"
    return text


def problems_text(problems) -> str:
    return "；".join(problem_message(p) for p in problems)


def reason_text(reason: rules.Reason) -> str:
    """A judged condition as a plain Chinese sentence."""
    a = dict(reason.args)
    if "standard" in a and a["standard"]:
        a["standard_title"] = standard_title(a["standard"])
    if a.get("level") and a.get("standard"):
        a["level_title"] = level_title(a["standard"], a["level"])
    if a.get("have") and reason.kind == "min_level":
        a["have_title"] = level_title(a["standard"], a["have"]) or _("no level")
    if "regions" in a:
        a["regions"] = _region_names(a["regions"])
    if "clusters" in a:
        a["clusters"] = _cluster_names(a["clusters"])
    if "industries" in a:
        a["industries"] = _industry_names(a["industries"])
    texts = {
        "region_met": _("Registered in %(regions)s."),
        "region_unmet": _("Only for enterprises registered in %(regions)s."),
        "above_scale_met": _("Above designated size (规上)."),
        "above_scale_unmet": _("Only for enterprises above designated size (规上)."),
        "industry_met": _("Your industry is covered (%(industries)s)."),
        "industry_unmet": _("Only for the industries %(industries)s."),
        "cluster_met": _("Your cluster is covered (%(clusters)s)."),
        "cluster_unmet": _("Only for the clusters %(clusters)s."),
        "no_assessment": _("Needs a submitted diagnosis on %(standard_title)s."),
        "min_level_met": _("Level %(have_title)s on %(standard_title)s reaches %(level_title)s."),
        "min_level_unmet": _("Needs at least %(level_title)s on %(standard_title)s; your diagnosis shows "
                             "%(have_title)s."),
        "min_level_unknown": _("Needs at least %(level_title)s on %(standard_title)s: checked when you apply."),
        "min_score_met": _("Score %(have)s on %(standard_title)s reaches %(score)s."),
        "min_score_unmet": _("Needs a score of at least %(score)s on %(standard_title)s; yours is %(have)s."),
        "recent_diagnosis_met": _("Your diagnosis of %(date)s is less than %(months)s months old."),
        "recent_diagnosis_unmet": _("Needs a diagnosis less than %(months)s months old; your latest is of "
                                    "%(date)s."),
        "min_age_met": _("Established in %(year)s: at least %(years)s years ago."),
        "min_age_unmet": _("Only for enterprises established at least %(years)s years ago."),
        "min_age_unknown": _("Only for enterprises established at least %(years)s years ago: checked when you "
                             "apply."),
        "pool_provider_to_check": _("The service must come from a provider in the resource pool: checked when "
                                    "you apply."),
        "pool_provider_met": _("The service comes from a provider in the resource pool."),
        "pool_provider_unmet": _("The service must come from a provider in the resource pool."),
        "once_per_year_to_check": _("Once per enterprise per year: checked when you apply."),
        "once_per_year_met": _("No award from this programme this year yet."),
        "once_per_year_unmet": _("Already awarded by this programme this year (once per year)."),
        "once_per_enterprise_to_check": _("Once per enterprise: checked when you apply."),
        "once_per_enterprise_met": _("No award from this programme yet."),
        "once_per_enterprise_unmet": _("Already awarded by this programme (once per enterprise)."),
        "attestation": _("You declare: %(text)s (checked when you apply)."),
    }
    if "date" in a:
        a["date"] = a["date"].isoformat()
    template = texts.get(reason.key, reason.key)
    try:
        return template % a
    except (KeyError, TypeError, ValueError):
        return template


def condition_text(condition: rules.Condition) -> str:
    """A condition as a rule in plain words (public programme pages)."""
    kind = condition.kind
    if kind == "region":
        return _("Registered in %(regions)s.") % {"regions": _region_names(condition.values)}
    if kind == "above_scale":
        return _("Above designated size (规上).")
    if kind == "industry":
        return _("Industries: %(industries)s.") % {"industries": _industry_names(condition.values)}
    if kind == "cluster":
        return _("Clusters: %(clusters)s.") % {"clusters": _cluster_names(condition.values)}
    if kind == "min_level":
        return _("At least %(level)s on %(standard)s.") % {
            "level": level_title(condition.standard, condition.threshold),
            "standard": standard_title(condition.standard)}
    if kind == "min_score":
        return _("A score of at least %(score)s on %(standard)s.") % {
            "score": condition.threshold, "standard": standard_title(condition.standard)}
    if kind == "recent_diagnosis":
        if condition.standard:
            return _("A diagnosis on %(standard)s less than %(months)s months old.") % {
                "standard": standard_title(condition.standard), "months": condition.number}
        return _("A diagnosis less than %(months)s months old.") % {"months": condition.number}
    if kind == "min_age":
        return _("Established at least %(years)s years ago.") % {"years": condition.number}
    if kind == "pool_provider":
        return _("The service comes from a provider in the resource pool.")
    if kind == "once_per_year":
        return _("Once per enterprise per year.")
    if kind == "once_per_enterprise":
        return _("Once per enterprise.")
    return _("The enterprise declares: %(text)s") % {"text": condition.text}


def param_value_text(name: str, value) -> str:
    if name in ("share", "first_year_share", "max_share", "rate"):
        return percent(value)
    if name == "yearly_decline":
        return _("%(points)s points") % {"points": percent(value).replace(" %", "")}
    if name in ("cap", "min_spend", "amount", "round_to"):
        return money(value)
    if name in ("term_years",):
        return _("%(n)s years") % {"n": value}
    if name == "per_enterprise":
        return str(value)
    if name == "standard":
        return standard_title(value)
    if name == "bands":
        return "；".join(band_text(band) for band in value)
    if name == "levels":
        return "；".join(f"{level} {money(amount)}" for level, amount in value)
    if name == "milestones":
        return "；".join(f"{m.label} {percent(m.share)}" for m in value)
    return str(value)


def band_text(band: rules.Band) -> str:
    if band.upper is None:
        span = _("from %(lower)s") % {"lower": money(band.lower)}
    elif band.lower == 0:
        span = _("below %(upper)s") % {"upper": money(band.upper)}
    else:
        span = _("%(lower)s to %(upper)s") % {"lower": money(band.lower), "upper": money(band.upper)}
    if band.cap is None:
        return _("%(span)s: %(rate)s of the investment") % {"span": span, "rate": percent(band.rate)}
    return _("%(span)s: %(rate)s of the investment, at most %(cap)s") % {
        "span": span, "rate": percent(band.rate), "cap": money(band.cap)}


def rule_lines(params: rules.InstrumentParams) -> list[dict]:
    """The parameters as rows {title, text, provisional, confidence, source} for the pages."""
    rows = []
    for name, param in params.values.items():
        rows.append({"name": name, "title": PARAM_TITLES.get(name, name),
                     "text": param_value_text(name, param.value), "provisional": param.provisional,
                     "confidence": CONFIDENCE_LABELS[param.confidence], "source": param.source})
    return rows


def formula_text(params: rules.InstrumentParams) -> str:
    """How the amount is computed, in one sentence."""
    instrument = params.instrument
    if instrument in rules.VOUCHERS:
        return _("Voucher = %(share)s of the service price, at most %(cap)s.") % {
            "share": percent(params["share"]), "cap": money(params["cap"])}
    if instrument == rules.POST_HOC_REWARD:
        return _("Reward = rate × verified investment, at most the cap of its band: %(bands)s.") % {
            "bands": "；".join(band_text(b) for b in params["bands"])}
    if instrument == rules.INTEREST_SUBSIDY:
        return _("Subsidy = %(first)s of the interest in the first year, %(decline)s points less each later "
                 "year, for %(term)s years, at most %(cap)s in total.") % {
            "first": percent(params["first_year_share"]),
            "decline": percent(params["yearly_decline"]).replace(" %", ""),
            "term": params["term_years"], "cap": money(params["cap"])}
    if instrument == rules.LEVEL_REWARD:
        return _("One-off reward by certified level on %(standard)s: %(levels)s; a firm certified higher later "
                 "gets the difference.") % {
            "standard": standard_title(params["standard"]),
            "levels": "；".join(f"{level_title(params['standard'], lv)} {money(a)}" for lv, a in params["levels"])}
    if instrument == rules.DEMONSTRATION_GRANT:
        return _("Grant of %(amount)s per recognised project, at most %(share)s of its investment.") % {
            "amount": money(params["amount"]), "share": percent(params["max_share"])}
    return _("Funding = %(rate)s of the project investment, at most %(cap)s, paid by milestone: "
             "%(milestones)s.") % {
        "rate": percent(params["rate"]), "cap": money(params["cap"]),
        "milestones": "；".join(f"{m.label} {percent(m.share)}" for m in params["milestones"])}


def provisional_names(params: rules.InstrumentParams) -> list[str]:
    return [str(PARAM_TITLES.get(name, name)) for name in params.provisional]
