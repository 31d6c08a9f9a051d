"""Reads for the report pages: which rendered report states what the assessment says today."""

from diagnosis.models import Report
from diagnosis.report.services import report_input_hashes


def current_report(report: Report) -> Report | None:
    """The rendered report, in the same language, that states ``report``'s assessment as it stands
    now: ``report`` itself when the data did not change since it was issued (even if a newer
    template would lay it out differently), the latest report rendered from the new data when it
    did, None when no report has been rendered from the new data yet."""
    hashes = report_input_hashes(report.assessment, language=report.language)
    if report.input_hash in hashes:
        return report
    return (Report.objects.filter(assessment_id=report.assessment_id, input_hash__in=hashes)
            .exclude(sha256="").order_by("-created_at", "-pk").first())
