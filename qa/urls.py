from django.urls import path

from qa import views

urlpatterns = [
    path("qa/", views.qa_queue, name="qa-queue"),
    path("qa/next/", views.qa_next, name="qa-next"),
    path("qa/reviews/<int:pk>/", views.qa_review, name="qa-review"),
    path("qa/metrics/", views.qa_metrics_page, name="qa-metrics"),
]
