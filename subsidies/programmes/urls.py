"""/subsidies/programmes/… (namespace "subsidies")."""

from django.urls import path

from subsidies.programmes import views

urlpatterns = [
    # Public
    path("", views.public_list, name="programmes"),
    path("p/<slug:code>/", views.public_detail, name="programme-public"),
    # Staff
    path("manage/", views.manage, name="programme-manage"),
    path("manage/new/", views.programme_create, name="programme-create"),
    path("manage/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("manage/<int:pk>/versions/new/", views.version_new, name="programme-version-new"),
    path("manage/versions/<int:pk>/edit/", views.version_edit, name="programme-version-edit"),
    path("manage/versions/<int:pk>/publish/", views.version_publish, name="programme-version-publish"),
    path("manage/versions/<int:pk>/close/", views.version_close, name="programme-version-close"),
]
