"""Presentation constants shared by the result page and the PDF report."""

from django.utils.translation import gettext_lazy

# What the provenance tags of spec values mean (docs/sources.md, Confidence tags); only the tags that
# make a result provisional reach the notice.
PROVENANCE_LABELS = {
    "S": gettext_lazy("secondary source, not yet checked against the official text"),
    "P": gettext_lazy("provisional default of this platform"),
    "M": gettext_lazy("background knowledge, not yet verified"),
}
# Recommendations shown in full; the rest are listed briefly.
SHOWN_RECOMMENDATIONS = 10
