from django.urls import path

from diagnosis.views import review

app_name = "review"

urlpatterns = [
    path("", review.queue, name="queue"),
]
