from django.urls import path

from providers.gaps import views

urlpatterns = [
    path("panel/", views.panel, name="gaps-panel"),
    path("cell/", views.cell, name="gaps-cell"),
    path("export/", views.export, name="gaps-export"),
]
