"""What the pre-check adds to lower layers' pages: the result-page panel, the PDF report section and
the enterprise's home panel; registered from SubsidiesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

HOME_ROWS = 5


def report_context(assessment, language) -> dict:
    from subsidies.precheck.selectors import precheck

    return {"rows": precheck(assessment.enterprise)}


def home_panel(user) -> dict | None:
    """Per enterprise of the user: the programmes it may be eligible for now (no condition unmet)."""
    from portal.models import Enterprise
    from subsidies.precheck.selectors import precheck

    if not user.is_authenticated or user.staff_role:
        return None
    enterprises = list(Enterprise.objects.filter(memberships__user=user).select_related("region", "park")
                       .distinct().order_by("name", "pk")[:3])
    blocks = []
    for enterprise in enterprises:
        rows = [row for row in precheck(enterprise) if row["eligible"]][:HOME_ROWS]
        if rows:
            blocks.append({"enterprise": enterprise, "rows": rows})
    return {"blocks": blocks} if blocks else None


def register() -> None:
    from diagnosis.extensions import (
        ReportSection,
        ResultPanel,
        register_report_section,
        register_result_panel,
    )
    from portal.extensions import HomePanel, register_home_panel

    register_result_panel(ResultPanel(key="subsidy-precheck", title=_("Subsidies you may be eligible for"),
                                      url_name="subsidies:precheck-panel", order=60))
    register_report_section(ReportSection(key="subsidy-precheck", template="subsidies/precheck/report_section.html",
                                          build_context=report_context, order=60))
    register_home_panel(HomePanel(key="subsidy-precheck", template="subsidies/precheck/home_panel.html",
                                  data=home_panel, order=30))
