"""/registry/profile/… (namespace "providers"; names start with "profile")."""

from django.urls import path

from providers.profiles import views

urlpatterns = [
    path("", views.my_profiles, name="profile-mine"),
    path("<int:provider_pk>/", views.profile, name="profile"),
    path("<int:provider_pk>/start/", views.start, name="profile-start"),
    path("<int:provider_pk>/edit/<slug:section>/", views.section, name="profile-section"),
    path("<int:provider_pk>/submit/", views.submit, name="profile-submit"),
    path("<int:provider_pk>/withdraw/", views.withdraw, name="profile-withdraw"),
    path("<int:provider_pk>/documents/", views.document_upload, name="profile-document-upload"),
    path("documents/<int:pk>/", views.document_download, name="profile-document"),
    path("versions/<int:pk>/", views.version, name="profile-version"),
    path("review/", views.review_queue, name="profile-review-queue"),
    path("review/<int:pk>/", views.review, name="profile-review"),
    path("cases/", views.cases, name="profile-cases"),
    path("cases/<int:pk>/decide/", views.case_decide, name="profile-case-decide"),
]
