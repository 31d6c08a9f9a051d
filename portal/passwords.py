"""Password validators beyond Django's (docs/security.md R1)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.roles import is_privileged


class MaximumLengthValidator:
    """Long inputs are refused rather than silently truncated (ASVS 2.1.2) and bound hashing cost."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext("This password is too long. It must contain at most %(max)d character.",
                         "This password is too long. It must contain at most %(max)d characters.",
                         self.max_length),
                code="password_too_long", params={"max": self.max_length},
            )

    def get_help_text(self):
        return _("Your password must contain at most %(max)d characters.") % {"max": self.max_length}


class PrivilegedComplexityValidator:
    """等保 8.1.4.1 a complexity for staff and administrators only: ≥ 3 of 4 character classes."""

    def validate(self, password, user=None):
        if user is None or not is_privileged(user):
            return
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("Staff passwords must mix at least three of: lower-case letters, capitals, digits, symbols."),
                code="password_not_complex",
            )

    def get_help_text(self):
        return _("Staff passwords must mix at least three of: lower-case letters, capitals, digits, symbols.")
