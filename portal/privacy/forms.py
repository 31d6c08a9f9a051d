from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    """Deleting one's data is not undone: the password confirms it is the person, not an open session."""

    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)
    confirm = forms.BooleanField(label=_("I understand that my account will be closed and my personal data "
                                         "deleted or anonymised within 15 days."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="wrong_password")
        return password
