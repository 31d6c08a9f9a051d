from django.urls import path

from providers.ecosystem import api

urlpatterns = [
    path("ecosystem/", api.EcosystemSummaryView.as_view(), name="api-registry-ecosystem"),
]
