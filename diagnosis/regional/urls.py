from django.urls import path

from diagnosis.regional import views

app_name = "regional"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("slices/", views.slices, name="slices"),
    path("demand/", views.demand, name="demand"),
    path("demand/firms/", views.demand_firms, name="demand-firms"),
    path("export/<slug:table>/", views.export, name="export"),
    path("public/", views.public, name="public"),
]
