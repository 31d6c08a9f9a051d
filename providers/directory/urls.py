from django.urls import path

from providers.directory import views

urlpatterns = [
    path("", views.directory, name="directory"),
    path("solutions/", views.solution_list, name="solutions"),
    path("apps/", views.app_list, name="apps"),
    path("map/", views.solution_map, name="solution-map"),
    path("providers/<int:pk>/", views.portrait, name="portrait"),
    path("export/<slug:kind>/", views.export, name="directory-export"),
]
