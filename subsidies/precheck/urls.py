"""/subsidies/precheck/… (namespace "subsidies")."""

from django.urls import path

from subsidies.precheck import views

urlpatterns = [
    path("assessment/<int:pk>/", views.result_panel, name="precheck-panel"),
]
