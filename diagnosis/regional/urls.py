from django.urls import path

from diagnosis.regional import views
from diagnosis.regional_report import views as report

app_name = "regional"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("slices/", views.slices, name="slices"),
    path("demand/", views.demand, name="demand"),
    path("demand/firms/", views.demand_firms, name="demand-firms"),
    path("export/<slug:table>/", views.export, name="export"),
    path("public/", views.public, name="public"),
    # The regional analysis report PDF (diagnosis/regional_report)
    path("report/", report.report_request, name="report"),
    path("report/<int:pk>/status/", report.report_status, name="report-status"),
    path("report/<int:pk>/download/", report.report_download, name="report-download"),
    path("report/verify/<str:code>/", report.report_verify, name="report-verify"),
]
