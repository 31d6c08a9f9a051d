"""/registry/leads/… (namespace "providers")."""

from django.urls import path

from providers.leads import views

urlpatterns = [
    # Enterprises (the result page's matching panel links to lead-request by this name and these args)
    path("request/<int:assessment_pk>/<int:solution_pk>/", views.lead_request, name="lead-request"),
    path("mine/", views.lead_mine, name="lead-mine"),
    path("mine/<int:pk>/withdraw/", views.lead_withdraw, name="lead-withdraw"),
    path("mine/<int:pk>/step/", views.lead_enterprise_action, name="lead-enterprise-step"),
    # Providers
    path("inbox/", views.lead_inbox, name="lead-inbox"),
    path("<int:pk>/", views.lead_detail, name="lead-detail"),
    path("<int:pk>/step/", views.lead_transition, name="lead-transition"),
    # Public: the outcome rating's method
    path("outcome-rating/", views.outcome_method, name="outcome-method"),
    # Bureau staff
    path("region/", views.lead_staff, name="lead-staff"),
    path("region/leads.xlsx", views.lead_staff_export, name="lead-staff-export"),
]
