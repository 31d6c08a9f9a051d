"""Subsidy pages, one include per feature package."""

from django.urls import include, path

app_name = "subsidies"

urlpatterns = [
    path("programmes/", include("subsidies.programmes.urls")),
    path("precheck/", include("subsidies.precheck.urls")),
]
