"""/api/v1/subsidies/programmes/… (included from subsidies/api_urls.py)."""

from django.urls import path

from subsidies.programmes import api

urlpatterns = [
    path("programmes/", api.ProgrammeListApi.as_view(), name="api-subsidy-programmes"),
    path("programmes/<slug:code>/", api.ProgrammeDetailApi.as_view(), name="api-subsidy-programme"),
]
