from django.urls import path

from providers.profiles import api

urlpatterns = [
    path("providers/<int:provider_pk>/profile-versions/", api.ProviderVersionsApi.as_view(),
         name="api-profile-versions"),
    path("profile-versions/<int:pk>/", api.VersionApi.as_view(), name="api-profile-version"),
    path("profile-versions/<int:pk>/sections/<slug:section>/", api.SectionApi.as_view(),
         name="api-profile-section"),
    path("profile-versions/<int:pk>/submit/", api.SubmitApi.as_view(), name="api-profile-submit"),
    path("profile-versions/<int:pk>/withdraw/", api.WithdrawApi.as_view(), name="api-profile-withdraw"),
    path("profile-versions/<int:pk>/decision/", api.DecisionApi.as_view(), name="api-profile-decision"),
    path("profile-approvals/", api.ApprovalQueueApi.as_view(), name="api-profile-approvals"),
    path("case-confirmations/", api.ConfirmationListApi.as_view(), name="api-case-confirmations"),
    path("case-confirmations/<int:pk>/decision/", api.ConfirmationDecisionApi.as_view(),
         name="api-case-confirmation-decision"),
]
