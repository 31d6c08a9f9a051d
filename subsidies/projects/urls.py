"""/subsidies/projects/… (namespace "projects")."""

from django.urls import path

from subsidies.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("file/", views.project_file, name="file"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/acceptance/", views.project_request_acceptance, name="request-acceptance"),
    path("<int:pk>/decide/", views.project_decide, name="decide"),
    path("points-per-yuan/", views.points_per_yuan, name="points-per-yuan"),
    path("points-per-yuan/<slug:grouping>.xlsx", views.points_per_yuan_xlsx, name="points-per-yuan-export"),
]
