"""/api/v1/assessments/… (included from portal/api_urls.py)."""

from django.urls import path

from diagnosis import api
from diagnosis.fill import api as fill_api
from diagnosis.report import api as report_api

urlpatterns = [
    path("", api.AssessmentListCreateApi.as_view(), name="api-assessments"),
    path("<int:pk>/", api.AssessmentDetailApi.as_view(), name="api-assessment"),
    path("<int:pk>/questionnaire/", fill_api.QuestionnaireApi.as_view(), name="api-assessment-questionnaire"),
    path("<int:pk>/answer/", api.AnswerSaveApi.as_view(), name="api-assessment-answer"),
    path("<int:pk>/evidence/", api.EvidenceListUploadApi.as_view(), name="api-assessment-evidence"),
    path("<int:pk>/evidence/<int:evidence_pk>/download/", api.EvidenceDownloadApi.as_view(),
         name="api-assessment-evidence-download"),
    path("<int:pk>/submit/", api.AssessmentSubmitApi.as_view(), name="api-assessment-submit"),
    path("<int:pk>/result/", api.AssessmentResultApi.as_view(), name="api-assessment-result"),
    path("<int:pk>/reports/", report_api.ReportRequestApi.as_view(), name="api-assessment-reports"),
    path("<int:pk>/reports/<int:report_pk>/", report_api.ReportStatusApi.as_view(), name="api-assessment-report"),
    path("<int:pk>/reports/<int:report_pk>/download/", report_api.ReportDownloadApi.as_view(),
         name="api-assessment-report-download"),
]
