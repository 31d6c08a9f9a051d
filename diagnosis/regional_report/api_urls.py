"""/api/v1/regional/reports/… (included from portal/api_urls.py)."""

from django.urls import path

from diagnosis.regional_report import api

urlpatterns = [
    path("", api.RegionalReportRequestApi.as_view(), name="api-regional-reports"),
    path("<int:pk>/", api.RegionalReportStatusApi.as_view(), name="api-regional-report"),
    path("<int:pk>/download/", api.RegionalReportDownloadApi.as_view(), name="api-regional-report-download"),
]
