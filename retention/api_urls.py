from django.urls import path

from retention.api import disposal, holds, records

urlpatterns = [
    path("records/", records.RecordListApi.as_view(), name="api-record-list"),
    path("records/<int:pk>/", records.RecordDetailApi.as_view(), name="api-record-detail"),
    path("records/<int:pk>/review/", records.RecordReviewApi.as_view(), name="api-record-review"),
    path(
        "records/<int:pk>/history/",
        records.RecordHistoryApi.as_view(),
        name="api-record-history",
    ),
    path(
        "customer-events/",
        records.CustomerEventListCreateApi.as_view(),
        name="api-customer-event-list",
    ),
    path(
        "customer-events/<int:pk>/withdraw/",
        records.CustomerEventWithdrawApi.as_view(),
        name="api-customer-event-withdraw",
    ),
    path("legal-holds/", holds.LegalHoldListCreateApi.as_view(), name="api-legal-hold-list"),
    path(
        "legal-holds/preview/", holds.LegalHoldPreviewApi.as_view(), name="api-legal-hold-preview"
    ),
    path("legal-holds/<int:pk>/", holds.LegalHoldDetailApi.as_view(), name="api-legal-hold-detail"),
    path(
        "legal-holds/<int:pk>/release/",
        holds.LegalHoldReleaseApi.as_view(),
        name="api-legal-hold-release",
    ),
    path(
        "disposal-batches/", disposal.DisposalBatchListApi.as_view(), name="api-disposal-batch-list"
    ),
    path(
        "disposal-batches/<int:pk>/",
        disposal.DisposalBatchDetailApi.as_view(),
        name="api-disposal-batch-detail",
    ),
    path(
        "disposal-batches/<int:pk>/approve/",
        disposal.DisposalBatchApproveApi.as_view(),
        name="api-disposal-batch-approve",
    ),
    path(
        "disposal-batches/<int:pk>/reject/",
        disposal.DisposalBatchRejectApi.as_view(),
        name="api-disposal-batch-reject",
    ),
    path(
        "disposal-batches/<int:pk>/exclude/",
        disposal.DisposalBatchExcludeApi.as_view(),
        name="api-disposal-batch-exclude",
    ),
    path(
        "disposal-certificates/",
        disposal.DisposalCertificateListApi.as_view(),
        name="api-disposal-certificate-list",
    ),
    path(
        "disposal-certificates/<int:pk>/",
        disposal.DisposalCertificateDetailApi.as_view(),
        name="api-disposal-certificate-detail",
    ),
]
