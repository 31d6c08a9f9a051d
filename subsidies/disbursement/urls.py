from django.urls import path

from subsidies.disbursement import views

urlpatterns = [
    path("", views.batches, name="batches"),
    path("new/", views.batch_create, name="batch-create"),
    path("<int:pk>/pay/", views.batch_pay, name="batch-pay"),
    path("<int:pk>/export/", views.batch_export, name="batch-export"),
    path("decisions/export/", views.decisions_export, name="decisions-export"),
]
