"""Provider registry pages, one include per feature package."""

from django.urls import include, path

app_name = "providers"

urlpatterns = [
    path("", include("providers.directory.urls")),
    path("profile/", include("providers.profiles.urls")),
    path("pools/", include("providers.pools.urls")),
    path("ecosystem/", include("providers.ecosystem.urls")),
    path("events/", include("providers.events.urls")),
    path("leads/", include("providers.leads.urls")),
    path("gaps/", include("providers.gaps.urls")),
    path("matching/", include("providers.matching.urls")),
]
