"""/api/v1/registry/leads/… and outcome-ratings/ (included from providers/api_urls.py)."""

from django.urls import path

from providers.leads import api

urlpatterns = [
    path("leads/", api.LeadListApi.as_view(), name="api-registry-leads"),
    path("leads/<int:pk>/", api.LeadDetailApi.as_view(), name="api-registry-lead"),
    path("leads/<int:pk>/step/", api.LeadStepApi.as_view(), name="api-registry-lead-step"),
    path("leads/<int:pk>/withdraw/", api.LeadWithdrawApi.as_view(), name="api-registry-lead-withdraw"),
    path("outcome-ratings/", api.OutcomeRatingListApi.as_view(), name="api-registry-outcome-ratings"),
]
