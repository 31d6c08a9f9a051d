"""Input shapes of the leads pages; the rules (consent, pool, stages, amounts) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.leads import workflow
from providers.leads.services import NOTE_MAX


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I agree that the portal shares the diagnosis summary shown above with this provider, so that it "
                "can contact us. I can withdraw this consent at any time."), required=False)


ACTION_LABELS = {
    "contact": _("Mark as contacted"), "propose": _("Record the proposal"), "contract": _("Record the contract"),
    "deliver": _("Mark as delivered"), "accept": _("Accept the delivery"), "decline": _("Decline"),
    "close": _("Close"),
}


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in workflow.ACTIONS])
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    day = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.CharField(label=_("Amount (yuan)"), required=False, max_length=20)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)


class StageFilterForm(forms.Form):
    stage = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        from providers.models import Lead

        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("All stages")), *Lead.Stage.choices]
