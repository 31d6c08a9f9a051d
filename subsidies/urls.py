"""/subsidies/… (namespace "subsidies"): a plain list of the feature packages' URLs."""

from django.urls import include, path

app_name = "subsidies"

urlpatterns = [
    path("programmes/", include("subsidies.programmes.urls")),
    path("precheck/", include("subsidies.precheck.urls")),
    path("applications/", include("subsidies.applications.urls")),
    path("review/", include("subsidies.review.urls")),
    path("notice/", include("subsidies.notice.urls")),
    path("disbursement/", include("subsidies.disbursement.urls")),
]
