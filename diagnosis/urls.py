from django.urls import path

from diagnosis.evidence import views as evidence
from diagnosis.fill import views as fill
from diagnosis.report import views as report
from diagnosis.results import views as results

app_name = "diagnosis"

urlpatterns = [
    # Filling in (fill/views.py)
    path("", fill.assessment_list, name="assessment-list"),
    path("start/", fill.assessment_start, name="assessment-start"),
    path("<int:pk>/", fill.assessment_detail, name="assessment-detail"),
    path("<int:pk>/fill/", fill.assessment_fill, name="assessment-fill"),
    path("<int:pk>/fill/<slug:section>/", fill.assessment_fill, name="assessment-fill-section"),
    path("<int:pk>/answer/", fill.answer_save, name="answer-save"),
    path("<int:pk>/question/<str:item_code>/", fill.question, name="question"),
    path("<int:pk>/submit/", fill.assessment_submit, name="assessment-submit"),
    path("<int:pk>/answers/", fill.assessment_answers, name="assessment-answers"),
    # Results, roadmap, needs, comparison (results/views.py)
    path("<int:pk>/result/", results.assessment_result, name="assessment-result"),
    path("<int:pk>/priorities/", results.assessment_priorities, name="assessment-priorities"),
    path("<int:pk>/needs/", results.assessment_needs, name="assessment-needs"),
    path("<int:pk>/compare/", results.assessment_compare, name="assessment-compare"),
    # Diagnosis report PDF (report/views.py)
    path("<int:pk>/report/", report.report_request, name="report-request"),
    path("<int:pk>/report/<int:report_pk>/status/", report.report_status, name="report-status"),
    path("report/<int:report_pk>/download/", report.report_download, name="report-download"),
    # Evidence (evidence/views.py)
    path("<int:pk>/evidence/<str:item_code>/", evidence.evidence_list, name="evidence-list"),
    path("evidence/<int:evidence_pk>/download/", evidence.evidence_download, name="evidence-download"),
    path("evidence/<int:evidence_pk>/delete/", evidence.evidence_delete, name="evidence-delete"),
]
