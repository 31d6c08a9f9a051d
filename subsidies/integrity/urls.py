"""/subsidies/integrity/… (namespace "integrity")."""

from django.urls import path

from subsidies.integrity import views

app_name = "integrity"

urlpatterns = [
    path("payee/", views.payee_mine, name="payee-mine"),
    path("payee/<slug:kind>/<int:pk>/", views.payee_account, name="payee"),
    path("flags/", views.flag_queue, name="queue"),
    path("flags/<int:pk>/override/", views.flag_override, name="override"),
    path("applications/<int:pk>/", views.application_flags, name="flags"),
    path("applications/<int:pk>/refresh/", views.application_flags_refresh, name="refresh"),
    path("applications/<int:pk>/invoices/", views.application_invoices, name="invoices"),
]
