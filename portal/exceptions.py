"""Refusals raised by services. The class says what kind of refusal it is, which decides the HTTP
status (portal/errors.py, the one mapping); `code` stays the stable, specific reason clients and
tests read."""


class DomainError(Exception):
    """A business rule refused the operation; `message` is translated and safe to show.
    Raise one of the kinds below; a bare DomainError counts as Invalid."""

    default_code = "invalid"

    def __init__(self, message, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class Invalid(DomainError):
    """The request itself is wrong (a value, a missing field, a choice not on offer)."""


class TooLarge(Invalid):
    """An upload over the size limit: the API says so with its own status (413)."""

    default_code = "too_large"


class Forbidden(DomainError):
    """The actor may not do this, whatever the data."""

    default_code = "forbidden"


class NotFound(DomainError):
    default_code = "not_found"


class Conflict(DomainError):
    """The stored data moved on or no longer matches (a newer version, a tampered file): the
    answer shows the current state."""

    default_code = "conflict"


class WrongState(DomainError):
    """The object's state does not allow this now (submitted, returned, already assigned): a
    conflict for API clients, while the web pages show it next to the form like an invalid value.
    Not a Conflict subclass, so `except Conflict` keeps meaning "show the current state"."""

    default_code = "wrong_state"


class Gone(DomainError):
    """What was asked for existed but is not there any more (a stored file missing)."""

    default_code = "gone"
