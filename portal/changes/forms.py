from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import EnterpriseChangeRequest


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approve: the record takes the requested values")),
        ("reject", _("Reject: nothing changes")),
    ])
    reason = forms.CharField(label=_("Reason (required to reject; the enterprise sees it)"), required=False,
                             max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the enterprise a reason for the rejection."))
        return data


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=EnterpriseChangeRequest.Status.choices)
