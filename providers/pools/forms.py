"""Forms of the resource pools. They check shape only; the services decide (workflow, scope,
versions). Decision forms carry the `state_version` they were rendered with, so a stale one is caught."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import Pool
from providers.pools import workflow
from providers.pools.services import LONG_MAX, TEXT_MAX


class VersionedForm(forms.Form):
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _text(label, limit, required=True, rows=3):
    return forms.CharField(label=label, max_length=limit, required=required,
                           widget=forms.Textarea(attrs={"rows": rows}))


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    region = forms.ModelChoiceField(label=_("Region"), queryset=None)
    year = forms.IntegerField(label=_("Call year"), min_value=2000, max_value=2100)
    criteria = _text(_("Criteria"), LONG_MAX, required=False, rows=5)
    call_opens = forms.DateField(label=_("Applications open"), widget=forms.DateInput(attrs={"type": "date"}))
    call_closes = forms.DateField(label=_("Applications close"), widget=forms.DateInput(attrs={"type": "date"}))
    objection_days = forms.IntegerField(label=_("Public notice period (days)"), min_value=1, max_value=60,
                                        initial=7)
    validity_months = forms.IntegerField(label=_("Membership validity (months)"), min_value=1, max_value=120,
                                         initial=36)
    min_confirmed_clients = forms.IntegerField(label=_("Confirmed clients required at re-check"), min_value=0,
                                               max_value=1000, initial=3)
    pass_score = forms.DecimalField(label=_("Pass score"), min_value=60, max_value=100, decimal_places=2,
                                    initial=60)

    def __init__(self, *args, regions, editing: Pool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if editing is not None:
            del self.fields["region"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("call_opens") and cleaned.get("call_closes") and cleaned["call_closes"] < cleaned["call_opens"]:
            raise forms.ValidationError(_("The call cannot close before it opens."))
        return cleaned


class CheckForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect, choices=[
        ("pass", _("Complete: send to expert review")), ("return", _("Incomplete: return to the provider")),
        ("refuse", _("Not eligible: refuse"))])
    note = _text(_("Note to the provider"), TEXT_MAX, required=False)


class AssignExpertForm(VersionedForm):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=None)

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts
        self.fields["expert"].label_from_instance = lambda u: u.get_full_name() or u.username


class DecideForm(VersionedForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("admit", _("Admit to the pool")), ("refuse", _("Do not admit"))])
    note = _text(_("Decision note"), TEXT_MAX, required=False)


def _part_field(code, label):
    # The weight is shown next to the field by the template (it is provisional data, workflow.PARTS).
    return forms.DecimalField(label=label, min_value=0, max_value=100, decimal_places=2)


class ScoreForm(forms.Form):
    # The expert's declaration (回避声明) comes first: no score without it; a conflict is declared
    # with the form below the sheet instead.
    no_conflict = forms.BooleanField(
        label=_("I declare that I have no conflict of interest with this provider (no employment, shareholding, "
                "family or business tie) and will keep the application confidential."),
        error_messages={"required": _("Declare that you have no conflict of interest before scoring, or declare "
                                      "the conflict below.")})
    basic = _part_field("basic", _("Basic information"))
    capability = _part_field("capability", _("Service capability"))
    delivery = _part_field("delivery", _("Delivery performance"))
    discount = _part_field("discount", _("Discount offered to SMEs"))
    comment = _text(_("Comment"), LONG_MAX, required=False)

    def scores(self) -> dict:
        return {code: self.cleaned_data[code] for code in workflow.PART_CODES}


class ConflictForm(forms.Form):
    note = _text(_("Conflict of interest"), TEXT_MAX)


class ApplyForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Service provider"), queryset=None)
    discount_offer = forms.CharField(label=_("Discount offered to SMEs"), max_length=200, required=False)
    statement = _text(_("Statement"), LONG_MAX, required=False, rows=5)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if providers.count() == 1:
            self.fields["provider"].initial = providers.first().pk


class ResubmitForm(VersionedForm):
    discount_offer = forms.CharField(label=_("Discount offered to SMEs"), max_length=200, required=False)
    statement = _text(_("Statement"), LONG_MAX, required=False, rows=4)


class ObjectionForm(forms.Form):
    text = _text(_("Objection"), TEXT_MAX)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect,
                                choices=[("dismissed", _("Dismiss")), ("upheld", _("Uphold"))])
    resolution = _text(_("Resolution"), TEXT_MAX, rows=2)


class AppealForm(forms.Form):
    text = _text(_("Appeal"), LONG_MAX)


class AppealDecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("grant", _("Grant: the member is active again")), ("deny", _("Deny"))])
    note = _text(_("Decision note"), TEXT_MAX, rows=2)


class ComplaintHandleForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect,
                                choices=[("dismissed", _("Dismiss")), ("upheld", _("Uphold"))])
    resolution = _text(_("Resolution"), TEXT_MAX, rows=2)


class EnterpriseChoiceForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None)

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first().pk


class RatingForm(EnterpriseChoiceForm):
    score = forms.TypedChoiceField(label=_("Rating"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = _text(_("Comment"), TEXT_MAX, required=False)


class ComplaintForm(EnterpriseChoiceForm):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = _text(_("Complaint"), LONG_MAX, rows=5)
