from django.urls import path

from subsidies.applications import views

urlpatterns = [
    path("", views.mine, name="mine"),
    path("apply/<int:version_pk>/", views.create, name="apply"),
    path("a/<int:pk>/", views.detail, name="application"),
    path("a/<int:pk>/edit/", views.edit, name="application-edit"),
    path("a/<int:pk>/attach/", views.attach, name="application-attach"),
    path("a/<int:pk>/submit/", views.submit, name="application-submit"),
    path("a/<int:pk>/withdraw/", views.withdraw, name="application-withdraw"),
    path("files/<int:pk>/", views.file_download, name="application-file"),
]
