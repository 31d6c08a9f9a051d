from django.urls import path

from diagnosis.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/import/", views.target_import, name="import"),
    path("<int:pk>/invite/", views.campaign_invite, name="invite"),
    path("<int:pk>/export/", views.coverage_export, name="export"),
]
