"""Forms of the bureau review: queue filters and the review actions. They check shape only; the
services decide (spec validation, workflow, versions). Every action form carries the
`review_version` it was rendered with, so a stale form is caught."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Assessment
from diagnosis.review.selectors import (
    ALL_STATUSES,
    DEFAULT_SORT,
    SORTS,
    QueueFilters,
    districts_for,
    industry_choices,
    level_choices,
    level_codes_any_spec,
    spec_choices,
)
from diagnosis.review.services import COMMENT_MAX, REASON_MAX
from diagnosis.spec import Item
from diagnosis.templatetags.diagnosis_tags import local_title


class QueueFilterForm(forms.Form):
    """GET filters of the queue. A district outside the user's jurisdiction is not a choice, so
    it makes the form invalid (400) instead of widening or silently changing the list."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    spec = forms.ChoiceField(label=_("Standard"), required=False)
    level = forms.ChoiceField(label=_("Self-declared level"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=None, required=False,
                                      empty_label=_("All districts"))
    submitted_from = forms.DateField(label=_("Submitted from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    submitted_to = forms.DateField(label=_("Submitted until"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", "—")]
        self.fields["status"].choices = [(s.value, s.label) for s in Assessment.Status if s.value != "draft"] \
            + [(ALL_STATUSES, _("All statuses"))]
        self.fields["spec"].choices = every + spec_choices()
        self._narrow_levels(every)
        self.fields["industry"].choices = every + industry_choices()
        self.fields["district"].queryset = districts_for(user)

    def _narrow_levels(self, every):
        """The level list offers the levels of the chosen standard only (a code such as L1 names
        different levels in different standards). Choosing a standard reloads the list through
        HTMX (the spec select's hx-get picks this field out of the page); without JavaScript the
        next filtering does, and clean() refuses a level the chosen standard does not have. A
        level without a standard (an old link) still filters by its code in every standard."""
        levels = level_codes_any_spec()
        self.fields["level"].choices = every + levels  # what validates: any known code
        spec_key, level = self.data.get("spec") or "", self.data.get("level") or ""
        if spec_key and spec_key in dict(self.fields["spec"].choices):
            chosen = level_choices(spec_key)
            offered = every + chosen if chosen else [("", _("This standard has no levels"))]
        else:
            offered = [("", _("Choose a standard first"))] + [choice for choice in levels if choice[0] == level]
        self.fields["level"].widget.choices = offered
        self.fields["spec"].widget.attrs.update({
            "hx-get": reverse("review:queue"), "hx-trigger": "change", "hx-include": "this",
            "hx-select": "#id_level", "hx-target": "#id_level", "hx-swap": "outerHTML",
        })

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        spec_key, level = cleaned.get("spec"), cleaned.get("level")
        if spec_key and level and level not in dict(level_choices(spec_key)):
            self.add_error("level", _("“%(level)s” is not a level of %(standard)s. Choose one of its levels, or "
                                      "no level.") % {"level": dict(level_codes_any_spec()).get(level, level),
                                                      "standard": dict(self.fields["spec"].choices)[spec_key]})
        return cleaned

    def filters(self) -> QueueFilters:
        data = self.cleaned_data
        return QueueFilters(
            spec_key=data["spec"], level=data["level"], industry=data["industry"],
            status=data["status"] or Assessment.Status.SUBMITTED, submitted_from=data["submitted_from"],
            submitted_to=data["submitted_to"], district=data["district"], sort=data["sort"] or DEFAULT_SORT,
        )


class ReviewForm(forms.Form):
    review_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class CorrectionForm(ReviewForm):
    """The corrected answer of one question, built from the question's kind, plus the reason."""

    reason = forms.CharField(label=_("Reason for the correction"), max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item: Item, **kwargs):
        kwargs.setdefault("auto_id", f"fix-{item.code}-%s")  # ~150 forms share one page: unique ids
        super().__init__(*args, **kwargs)
        self.item = item
        options = [(o.code, local_title(o)) for o in item.options]
        if item.kind in ("choice", "requirement"):
            self.fields["value"] = forms.ChoiceField(label=_("Verified answer"), choices=options,
                                                     widget=forms.RadioSelect)
        elif item.kind == "multi":
            self.fields["value"] = forms.MultipleChoiceField(label=_("Verified answer"), choices=options,
                                                             widget=forms.CheckboxSelectMultiple)
        elif item.kind == "ratio":
            self.fields["numerator"] = forms.CharField(label=item.ratio.numerator, max_length=32)
            self.fields["denominator"] = forms.CharField(label=item.ratio.denominator, max_length=32)
        else:  # scenario: level 0 (not done) … N
            levels = [(0, _("Level 0: not yet done"))] + [
                (n, f"{n} · {text}") for n, text in enumerate(item.level_descriptors, start=1)]
            self.fields["value"] = forms.TypedChoiceField(label=_("Verified answer"), choices=levels, coerce=int,
                                                          widget=forms.RadioSelect)
        self.order_fields(["value", "numerator", "denominator", "reason"])

    def answer(self):
        """The answer in the shape scoring.validate_answer takes."""
        if self.item.kind == "ratio":
            return {"numerator": self.cleaned_data["numerator"], "denominator": self.cleaned_data["denominator"]}
        return self.cleaned_data["value"]

    @staticmethod
    def initial_for(item: Item, value) -> dict:
        """Form initial data showing `value` (a stored, normalised answer)."""
        if item.kind != "ratio":
            return {"value": value}
        if isinstance(value, dict):
            return {"numerator": value.get("numerator"), "denominator": value.get("denominator")}
        # A ratio stored as a plain value in the item's unit (API answers): value / scale × scale.
        return {"numerator": value, "denominator": item.ratio.scale}


class ApproveForm(ReviewForm):
    comment = forms.CharField(label=_("Comment (optional)"), max_length=COMMENT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(ReviewForm):
    comment = forms.CharField(label=_("What should the enterprise revise?"), max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AssignExpertForm(ReviewForm):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=None)
    note = forms.CharField(label=_("Note to the expert"), max_length=REASON_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts
        self.fields["expert"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class OpinionForm(ReviewForm):
    opinion = forms.CharField(label=_("Your opinion"), max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}))


class SiteVisitForm(ReviewForm):
    visit_date = forms.DateField(label=_("Visit date"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(label=_("Participants"), max_length=500)
    findings = forms.CharField(label=_("Findings"), max_length=8000, widget=forms.Textarea(attrs={"rows": 4}))
    notes = forms.FileField(label=_("Visit notes (optional)"), required=False,
                            help_text=_("PDF, JPEG, PNG, DOCX, XLSX or PPTX."))
