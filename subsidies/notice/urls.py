from django.urls import path

from subsidies.notice import views

urlpatterns = [
    path("", views.public, name="notice"),
    path("<int:pk>/object/", views.object_file, name="notice-object"),
    path("objections/<int:pk>/resolve/", views.resolve, name="objection-resolve"),
    path("export/", views.export, name="notice-export"),
]
