"""What matching adds to lower layers' pages (the result panel, the PDF section, a staff home card),
registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from portal.roles import is_bureau_staff


def register() -> None:
    from diagnosis.extensions import (
        ReportSection,
        ResultPanel,
        register_report_section,
        register_result_panel,
    )
    from portal.extensions import HomeCard, register_home_card
    from providers.matching.extensions import register_outcome_ratings
    from providers.matching.ratings import leads_outcome_ratings
    from providers.matching.report import build_section
    from providers.matching.views import panel_body_key

    # Outcome ratings come from the leads feature (accepted engagements, measured uplift).
    register_outcome_ratings(leads_outcome_ratings)

    register_result_panel(ResultPanel(key="matching", title=_("Matched service providers"),
                                      url_name="providers:matching-panel", order=50,
                                      body_key=panel_body_key))
    register_report_section(ReportSection(key="matching", template="providers/matching/report_section.html",
                                          build_context=build_section, order=50))
    register_home_card(HomeCard(
        key="matching-weights", title=_("Matching weights"), url_name="providers:matching-weights", order=60,
        description=_("How matching ranks solutions for enterprises: the weights in force and their versions."),
        visible=is_bureau_staff))
