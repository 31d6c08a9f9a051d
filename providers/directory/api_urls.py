from django.urls import path

from providers.directory import api

urlpatterns = [
    path("providers/", api.ListingListView.as_view(), name="api-registry-providers"),
    path("solutions/", api.SolutionListView.as_view(), name="api-registry-solutions"),
    path("apps/", api.AppListView.as_view(), name="api-registry-apps"),
]
