"""The registry's API under /api/v1/registry/, one include per feature package."""

from django.urls import include, path

urlpatterns = [
    path("", include("providers.directory.api_urls")),
    path("", include("providers.profiles.api_urls")),
    path("", include("providers.pools.api_urls")),
    path("", include("providers.ecosystem.api_urls")),
    path("", include("providers.leads.api_urls")),
]
