from django.urls import path

from qa import api

urlpatterns = [
    path("qa-reviews/", api.QAReviewListApi.as_view(), name="api-qa-review-list"),
    path("qa-reviews/metrics/", api.QAMetricsApi.as_view(), name="api-qa-metrics"),
    path("qa-reviews/<int:pk>/", api.QAReviewDetailApi.as_view(), name="api-qa-review-detail"),
    path(
        "qa-reviews/<int:pk>/confirm/",
        api.QAReviewConfirmApi.as_view(),
        name="api-qa-review-confirm",
    ),
    path(
        "qa-reviews/<int:pk>/correct/",
        api.QAReviewCorrectApi.as_view(),
        name="api-qa-review-correct",
    ),
]
