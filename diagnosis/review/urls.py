from django.urls import path

from diagnosis.review import views as review

app_name = "review"

urlpatterns = [
    # Lists: the bureau's queue (+ Excel export) and the expert's assignments
    path("", review.queue, name="queue"),
    path("export/", review.queue_export, name="queue-export"),
    path("assignments/", review.assignments, name="assignments"),
    # One assessment under review
    path("<int:pk>/", review.assessment_review, name="assessment"),
    # <str:…>: item codes of GB/T 39116 carry dots ("strategy.1.1"), which <slug:…> refuses.
    path("<int:pk>/items/<str:item_code>/correct/", review.item_correct, name="item-correct"),
    path("<int:pk>/approve/", review.assessment_approve, name="approve"),
    path("<int:pk>/return/", review.assessment_return, name="return"),
    path("<int:pk>/experts/", review.expert_assign, name="expert-assign"),
    path("<int:pk>/opinion/", review.expert_opinion, name="expert-opinion"),
    path("<int:pk>/visits/", review.site_visit_add, name="site-visit-add"),
    path("<int:pk>/visits/<int:visit_pk>/notes/", review.site_visit_notes, name="site-visit-notes"),
]
