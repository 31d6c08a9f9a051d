"""The matching section of the PDF report (registered in providers/matching/wiring.py)."""

from providers.matching.views import panel_context


def build_section(assessment, language: str) -> dict:
    # The report lists what the panel lists, without the contact button (a PDF cannot ask for consent).
    return panel_context(assessment)
