"""/subsidies/vouchers/… (namespace "vouchers")."""

from django.urls import path

from subsidies.vouchers import views

app_name = "vouchers"

urlpatterns = [
    path("", views.voucher_list, name="list"),
    path("use/", views.voucher_use, name="use"),
    path("issue/", views.voucher_issue, name="issue"),
    path("<int:pk>/", views.voucher_detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.voucher_step, name="step"),
]
