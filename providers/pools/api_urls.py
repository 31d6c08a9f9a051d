"""/api/v1/registry/pools/…, pool-applications/…, score-sheets/… (included from providers/api_urls.py)."""

from django.urls import path

from providers.pools import api

urlpatterns = [
    path("pools/", api.PoolListApi.as_view(), name="api-registry-pools"),
    path("pool-applications/", api.ApplicationListApi.as_view(), name="api-registry-pool-applications"),
    path("pool-applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="api-registry-pool-application"),
    path("score-sheets/", api.SheetListApi.as_view(), name="api-registry-score-sheets"),
    path("score-sheets/<int:pk>/submit/", api.SheetSubmitApi.as_view(), name="api-registry-score-sheet-submit"),
]
