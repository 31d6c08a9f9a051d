from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, EnterpriseChangeRequest, Provider, Region, User
from portal.passwords import PrivilegedComplexityValidator
from portal.reference import section_of_division
from portal.roles import MemberRole, is_privileged

# One answer to every failed sign-in, web and API: unknown user, wrong password, locked account,
# missing or wrong second factor (R2, R4).
INVALID_LOGIN = _("Invalid username, password or two-factor code.")


class LoginForm(AuthenticationForm):
    """The password step. For a privileged account with a confirmed TOTP device the verdict waits
    for the code step: whatever the password, the form is valid and `pending` says whether the
    password was right, so a right password and a wrong one look the same until the code is checked.
    authenticate() runs either way, so axes counts a wrong password at once."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": INVALID_LOGIN}

    def clean(self):
        self.pending = None
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        account = _enrolled_privileged(username) if username and password else None
        if account is None:
            return super().clean()
        user = authenticate(self.request, username=username, password=password)
        self.pending = {"user_id": account.pk, "password_ok": user is not None and user.pk == account.pk}
        return self.cleaned_data


def _enrolled_privileged(username: str):
    """The privileged account signing in with `username` if it has a confirmed TOTP device, else None
    (ordinary accounts, and staff who still have to enrol, sign in with the password alone)."""
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None or not is_privileged(user) or not user.totpdevice_set.filter(confirmed=True).exists():
        return None
    return user


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parent = obj.parent.name if obj.parent else ""
        return f"{parent} {obj.name}".strip()


def _ordinary_password_help() -> str:
    """The password rules that apply to people registering an organisation: the staff-only
    complexity rule is theirs to meet, not to read here."""
    validators = [v for v in password_validation.get_default_password_validators()
                  if not isinstance(v, PrivilegedComplexityValidator)]
    return password_validation.password_validators_help_text_html(validators)


class AccountForm(forms.Form):
    """The person registering: becomes the organisation's owner."""

    username = forms.RegexField(label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
                                error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")})
    full_name = forms.CharField(label=_("Your name"), max_length=50)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.RegexField(label=_("Mobile phone"), regex=r"^1[3-9]\d{9}\Z", max_length=11,
                             error_messages={"invalid": _("Enter an 11-digit mainland mobile number.")})
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput,
                                help_text=lazy(_ordinary_password_help, str)())
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)
    notice = forms.BooleanField(label=_("I have read the personal-information notice and agree that the "
                                        "bureau processes these data to run the diagnosis programme."))
    # The version of the notice the page showed: a form posted against an older text is refused
    # (portal/privacy/notices.py), so nobody agrees to a text they were not shown.
    notice_version = forms.CharField(widget=forms.HiddenInput, max_length=16)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."), code="duplicate")
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def __init__(self, *args, **kwargs):
        from portal.privacy.notices import current

        super().__init__(*args, **kwargs)
        # Not `self.notice`: templates would resolve form.notice to the checkbox's bound field.
        self.privacy_notice = current("registration")
        self.fields["notice_version"].initial = self.privacy_notice.version

    def user_data(self) -> dict:
        d = self.cleaned_data
        return {"username": d["username"], "first_name": d["full_name"], "email": d["email"],
                "phone": d["phone"], "password": d["password1"], "notice_version": d["notice_version"]}


class DivisionSelect(forms.Select):
    """The industry divisions, each option tagged with its section so static/js/enterprise-form.js
    offers only the divisions of the chosen section (the model's clean() checks it again)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-section"] = section_of_division(str(value)) or ""
        return option


class ParkSelect(forms.Select):
    """Parks tagged with the district they lie in, so the script offers only the chosen district's."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and instance.parent_id:
            option["attrs"]["data-district"] = str(instance.parent_id)
        return option


class EnterpriseForm(forms.ModelForm):
    region = RegionChoiceField(label=_("District"), queryset=Region.objects.filter(
        level__in=[Region.Level.DISTRICT]).select_related("parent"),
        widget=forms.Select(attrs={"data-district-select": ""}))
    park = RegionChoiceField(label=_("Park"), required=False, queryset=Region.objects.filter(
        level=Region.Level.PARK).select_related("parent"), widget=ParkSelect(attrs={"data-park-select": ""}),
        help_text=_("Only the parks of the chosen district are offered."))

    class Meta:
        model = Enterprise
        fields = ["name", "uscc", "region", "park", "industry_section", "industry_division", "production_type",
                  "above_scale",
                  "employees", "revenue_band", "cluster", "chain", "established_year", "contact_name",
                  "contact_phone"]
        widgets = {
            "industry_section": forms.Select(attrs={"data-section-select": ""}),
            "industry_division": DivisionSelect(attrs={"data-division-select": ""}),
        }

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class EnterpriseEditForm(EnterpriseForm):
    """The record as its owners and editors edit it. Once the enterprise is verified, a new name,
    USCC, district or park is filed as a change request for the bureau (portal.changes): the form
    says so beside those fields, and while a request is pending they cannot be changed again."""

    def __init__(self, *args, pending_change=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_verified:
            return
        for name in EnterpriseChangeRequest.PROTECTED_FIELDS:
            field = self.fields[name]
            if pending_change is not None:
                field.disabled = True
                field.help_text = _("A change request is awaiting the bureau's decision; this field can be "
                                    "changed again once it is decided.")
            else:
                field.help_text = _("Changing this field files a request that the bureau decides; until then "
                                    "the record keeps the current value.")


class ProviderForm(forms.ModelForm):
    region = RegionChoiceField(label=_("City or district"), queryset=Region.objects.filter(
        level__in=[Region.Level.CITY, Region.Level.DISTRICT]).select_related("parent"))
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Provider
        fields = ["name", "uscc", "region", "description", "website", "contact_name", "contact_phone"]

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class OTPForm(forms.Form):
    otp_token = forms.RegexField(label=_("6-digit code"), regex=r"^\d{6}\Z", max_length=6,
                                 widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                               "inputmode": "numeric"}),
                                 error_messages={"invalid": _("Enter the 6 digits shown by your authenticator app.")})


class InviteForm(forms.Form):
    username = forms.RegexField(label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
                                error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")})
    full_name = forms.CharField(label=_("Name"), max_length=50)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    # Least privilege first: an owner grants more on purpose, never by leaving the default.
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.VIEWER)
