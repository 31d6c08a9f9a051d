"""The subsidies' API under /api/v1/subsidies/, one include per feature package."""

from django.urls import include, path

urlpatterns = [
    path("", include("subsidies.programmes.api_urls")),
    path("", include("subsidies.applications.api_urls")),
]
