"""/registry/events/… (namespace "providers"): matchmaking events, bureau staff only."""

from django.urls import path

from providers.events import views

urlpatterns = [
    path("", views.event_list, name="events"),
    path("new/", views.event_create, name="event-create"),
    path("<int:pk>/", views.event_detail, name="event-detail"),
    path("<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("<int:pk>/status/<slug:action>/", views.event_transition, name="event-transition"),
    path("<int:pk>/enterprises/", views.participants, name="event-participants"),
    path("<int:pk>/enterprises/<int:participant_pk>/remove/", views.participant_remove,
         name="event-participant-remove"),
    path("<int:pk>/providers/", views.providers, name="event-providers"),
    path("<int:pk>/providers/<int:row_pk>/remove/", views.provider_remove, name="event-provider-remove"),
    path("<int:pk>/pairings/generate/", views.pairing_generate, name="event-generate"),
    path("<int:pk>/jobs/<int:job_pk>/", views.job_status, name="event-job"),
    path("<int:pk>/pairings/<int:pairing_pk>/", views.pairing_record, name="event-pairing"),
    path("<int:pk>/pairings.xlsx", views.pairings_export, name="event-export"),
]
