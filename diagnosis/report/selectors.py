"""Reads for the report pages: which rendered report states what the assessment says today."""

from diagnosis.models import Report
from diagnosis.report.services import report_input_hash


def current_report(report: Report) -> Report | None:
    """The rendered report, in the same language, that matches ``report``'s assessment as it
    stands now; ``report`` itself when nothing changed since it was issued, None when the
    assessment changed and no report has been rendered from the new data yet."""
    current_hash = report_input_hash(report.assessment, language=report.language)
    if current_hash == report.input_hash:
        return report
    return (Report.objects.filter(assessment_id=report.assessment_id, input_hash=current_hash)
            .exclude(sha256="").order_by("-created_at", "-pk").first())
