"""Django system check: every shipped spec file loads, validates and is named ``code@version``."""

from django.core.checks import Error, register

from diagnosis.spec import spec_file_problems

_IDS = {
    "load": "diagnosis.E001",
    "invalid": "diagnosis.E002",
    "filename": "diagnosis.E003",
    "duplicate": "diagnosis.E004",
    "empty": "diagnosis.E005",
}
_HINTS = {
    "load": "Fix the TOML syntax or structure; see docs/spec-format.md.",
    "invalid": "Released spec files are never edited: fix a draft, or publish the fix as a new version.",
    "filename": "Rename the file to <code>@<version>.toml.",
    "duplicate": "Each code@version may be defined by one file only.",
    "empty": "The maturity specs ship in diagnosis/spec/*.toml.",
}


@register()
def check_maturity_specs(app_configs=None, **kwargs):
    """Report every spec problem as an Error so that `manage.py check` fails on a bad spec."""
    return [
        Error(problem.message, hint=_HINTS[problem.kind], obj=problem.path, id=_IDS[problem.kind])
        for problem in spec_file_problems()
    ]
