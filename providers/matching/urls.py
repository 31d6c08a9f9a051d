from django.urls import path

from providers.matching import views

urlpatterns = [
    path("assessments/<int:pk>/panel/", views.result_panel, name="matching-panel"),
    path("weights/", views.weights, name="matching-weights"),
]
