from django.urls import path

from records import api

urlpatterns = [
    path("records/", api.RecordListApi.as_view(), name="api-record-list"),
    path("records/<int:pk>/", api.RecordDetailApi.as_view(), name="api-record-detail"),
    path("records/<int:pk>/review/", api.RecordReviewApi.as_view(), name="api-record-review"),
    path("records/<int:pk>/history/", api.RecordHistoryApi.as_view(), name="api-record-history"),
    path("record-classes/", api.RecordClassListApi.as_view(), name="api-record-class-list"),
    path(
        "customer-events/", api.CustomerEventListCreateApi.as_view(), name="api-customer-event-list"
    ),
    path(
        "customer-events/<int:pk>/withdraw/",
        api.CustomerEventWithdrawApi.as_view(),
        name="api-customer-event-withdraw",
    ),
]
