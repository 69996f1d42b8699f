from django.urls import path

from retention import api

urlpatterns = [
    path(
        "retention-schedules/",
        api.RetentionScheduleListApi.as_view(),
        name="api-retention-schedule-list",
    ),
    path(
        "retention-schedules/<int:pk>/",
        api.RetentionScheduleDetailApi.as_view(),
        name="api-retention-schedule-detail",
    ),
    path("legal-holds/", api.LegalHoldListCreateApi.as_view(), name="api-legal-hold-list"),
    path("legal-holds/preview/", api.LegalHoldPreviewApi.as_view(), name="api-legal-hold-preview"),
    path("legal-holds/<int:pk>/", api.LegalHoldDetailApi.as_view(), name="api-legal-hold-detail"),
    path(
        "legal-holds/<int:pk>/release/",
        api.LegalHoldReleaseApi.as_view(),
        name="api-legal-hold-release",
    ),
    path("disposal-batches/", api.DisposalBatchListApi.as_view(), name="api-disposal-batch-list"),
    path(
        "disposal-batches/<int:pk>/",
        api.DisposalBatchDetailApi.as_view(),
        name="api-disposal-batch-detail",
    ),
    path(
        "disposal-batches/<int:pk>/approve/",
        api.DisposalBatchApproveApi.as_view(),
        name="api-disposal-batch-approve",
    ),
    path(
        "disposal-batches/<int:pk>/reject/",
        api.DisposalBatchRejectApi.as_view(),
        name="api-disposal-batch-reject",
    ),
    path(
        "disposal-batches/<int:pk>/exclude/",
        api.DisposalBatchExcludeApi.as_view(),
        name="api-disposal-batch-exclude",
    ),
    path(
        "disposal-certificates/",
        api.DisposalCertificateListApi.as_view(),
        name="api-disposal-certificate-list",
    ),
    path(
        "disposal-certificates/<int:pk>/",
        api.DisposalCertificateDetailApi.as_view(),
        name="api-disposal-certificate-detail",
    ),
]
