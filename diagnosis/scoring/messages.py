"""The scoring engine's answer errors in the active language: the edge where the pure engine's
``AnswerError.kind`` and ``params`` become a translated sentence.

The engine stays free of Django and settings (docs/architecture.md); ``DiagnosisConfig.ready()``
installs ``localise`` as ``AnswerError.localise``, so every ``exc.message`` and ``str(exc)`` the
services turn into an ``Invalid`` error is in the user's language. A kind without an entry here
keeps the engine's Chinese text.
"""

from django.utils.translation import get_language, gettext, ngettext

from diagnosis.scoring.engine import AnswerError


def _messages() -> dict[str, str]:
    return {
        "not_a_number": gettext("%(what)s must be a number, got %(value)s"),
        "not_finite": gettext("%(what)s must be a finite number, got %(value)s"),
        "negative": gettext("%(what)s cannot be negative: %(value)s"),
        "unknown_option": gettext("Unknown option %(value)s (choose from: %(codes)s)"),
        "multi_not_a_list": gettext("The answer to a multiple-choice question must be a list of option codes"),
        "multi_empty": gettext("Choose at least one option; if none applies, choose the exclusive option "
                               "(such as 'None of the above')"),
        "multi_duplicate": gettext("An option was chosen twice"),
        "multi_exclusive": gettext("'%(option)s' cannot be chosen together with other options"),
        "ratio_shape": gettext("The answer to a ratio question must be {numerator, denominator} or one number"),
        "ratio_zero_denominator": gettext("%(denominator)s cannot be 0"),
        "ratio_numerator_above": gettext("%(numerator)s (%(n)s) cannot be larger than %(denominator)s (%(d)s)"),
        "ratio_out_of_range": gettext("The value must lie between 0 and %(top)s%(unit)s, got %(value)s"),
        "scenario_level": gettext("The scenario level must be a whole number from 0 to %(top)s (0 = not started), "
                                  "got %(value)s"),
        "requirement_value": gettext("The degree of fulfilment must be %(allowed)s, got %(value)s"),
        "unknown_item": gettext("Unknown question"),
        "unknown_item_in_spec": gettext("Unknown question (%(spec)s has no such code)"),
        "context_value": gettext("The enterprise's %(title)s must be one of %(allowed)s, got %(value)s"),
        "context_missing": gettext("The enterprise's details lack a value needed to decide whether the question "
                                   "applies"),
    }


def localise(error: AnswerError) -> str:
    """``error`` as a sentence in the active language (English parameters in English)."""
    english = (get_language() or "").startswith("en")
    params = {name: value for name, value in error.params.items() if not name.endswith("_en")}
    if english:
        params.update({name[:-3]: value for name, value in error.params.items() if name.endswith("_en")})
    if error.kind == "unanswered":
        count = int(params.get("count", "1"))
        if count <= 1:
            return gettext("Not answered")
        return ngettext("Not answered (%(count)d question left)", "Not answered (%(count)d questions left)",
                        count) % {"count": count}
    template = _messages().get(error.kind)
    if template is None:
        return error.chinese
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return error.chinese
