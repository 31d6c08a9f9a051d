from django.urls import path

from subsidies.applications import api

urlpatterns = [
    path("applications/", api.ApplicationListApi.as_view(), name="api-subsidy-applications"),
    path("applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="api-subsidy-application"),
]
