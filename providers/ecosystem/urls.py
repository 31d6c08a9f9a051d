from django.urls import path

from providers.ecosystem import views

urlpatterns = [
    path("", views.analysis, name="ecosystem"),
    path("export/", views.analysis_export, name="ecosystem-export"),
    path("import/", views.provider_import, name="provider-import"),
    path("panel/", views.regional_panel, name="ecosystem-panel"),
]
