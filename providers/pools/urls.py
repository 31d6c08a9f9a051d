"""/registry/pools/… (namespace "providers")."""

from django.urls import path

from providers.pools import views

urlpatterns = [
    # Public: the pools, each pool's public notice (公示) and its member list
    path("", views.public_list, name="pools"),
    path("<int:pk>/notice/", views.notice, name="pool-notice"),
    path("<int:pk>/notice/<int:application_pk>/object/", views.objection_file, name="pool-object"),
    path("<int:pk>/members/", views.members, name="pool-members"),
    path("go/", views.home, name="pool-home"),
    # Staff
    path("manage/", views.manage, name="pool-manage"),
    path("manage/new/", views.pool_create, name="pool-create"),
    path("manage/<int:pk>/", views.pool_detail, name="pool-detail"),
    path("manage/<int:pk>/edit/", views.pool_edit, name="pool-edit"),
    path("manage/<int:pk>/<slug:status>/", views.pool_status, name="pool-status"),
    path("applications/<int:pk>/", views.application_review, name="pool-application"),
    path("applications/<int:pk>/check/", views.application_check, name="pool-application-check"),
    path("applications/<int:pk>/experts/", views.application_assign, name="pool-application-assign"),
    path("applications/<int:pk>/notice/", views.application_notice, name="pool-application-notice"),
    path("applications/<int:pk>/decide/", views.application_decide, name="pool-application-decide"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="pool-objection-resolve"),
    path("rechecks/", views.rechecks, name="pool-rechecks"),
    path("members/<int:pk>/recheck/", views.recheck_run, name="pool-recheck"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="pool-appeal-decide"),
    path("complaints/", views.complaints, name="pool-complaints"),
    path("complaints/<int:pk>/handle/", views.complaint_handle, name="pool-complaint-handle"),
    # Experts
    path("tasks/", views.tasks, name="pool-tasks"),
    path("tasks/<int:pk>/", views.sheet, name="pool-sheet"),
    path("tasks/<int:pk>/submit/", views.sheet_submit, name="pool-sheet-submit"),
    path("tasks/<int:pk>/conflict/", views.sheet_conflict, name="pool-sheet-conflict"),
    # Providers
    path("mine/", views.mine, name="pool-mine"),
    path("<int:pk>/apply/", views.apply, name="pool-apply"),
    path("applications/<int:pk>/resubmit/", views.application_resubmit, name="pool-application-resubmit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="pool-application-withdraw"),
    path("members/<int:pk>/appeal/", views.appeal_file, name="pool-appeal"),
    # Enterprises (linked from the directory by these names)
    path("providers/<int:pk>/rate/", views.provider_rate, name="provider-rate"),
    path("providers/<int:pk>/complain/", views.provider_complain, name="provider-complain"),
]
