from django.urls import path

from subsidies.review import views

urlpatterns = [
    path("", views.queue, name="review-queue"),
    path("budget/", views.budget, name="budget"),
    path("<int:pk>/check/", views.check, name="review-check"),
    path("<int:pk>/experts/", views.assign, name="review-assign"),
    path("<int:pk>/close/", views.close, name="review-close"),
    path("<int:pk>/audit/", views.audit, name="review-audit"),
    path("<int:pk>/notice/", views.notice, name="review-notice"),
    path("<int:pk>/decide/", views.decide, name="review-decide"),
    path("<int:pk>/reject/", views.reject, name="review-reject"),
    path("<int:pk>/evaluate/", views.evaluate, name="review-evaluate"),
    path("tasks/", views.tasks, name="review-tasks"),
    path("tasks/<int:pk>/", views.sheet, name="review-sheet"),
]
