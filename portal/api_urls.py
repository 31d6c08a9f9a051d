from django.urls import include, path, re_path

from portal import api
from portal.changes import api as changes_api

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="api-token"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("regions/", api.RegionListView.as_view(), name="api-regions"),
    path("enterprises/", api.EnterpriseListView.as_view(), name="api-enterprises"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailView.as_view(), name="api-enterprise"),
    path("providers/", api.ProviderListView.as_view(), name="api-providers"),
    path("providers/<int:pk>/", api.ProviderDetailView.as_view(), name="api-provider"),
    re_path(r"^(?P<kind>enterprises|providers)/(?P<pk>\d+)/decision/$", api.OrganisationDecisionView.as_view(),
            name="api-org-decision"),
    path("change-requests/", changes_api.ChangeRequestListView.as_view(), name="api-change-requests"),
    path("change-requests/<int:pk>/", changes_api.ChangeRequestDetailView.as_view(), name="api-change-request"),
    path("change-requests/<int:pk>/decision/", changes_api.ChangeRequestDecisionView.as_view(),
         name="api-change-request-decision"),
    path("assessments/", include("diagnosis.api_urls")),
    path("regional/reports/", include("diagnosis.regional_report.api_urls")),
    path("registry/", include("providers.api_urls")),
    path("subsidies/", include("subsidies.api_urls")),
]
