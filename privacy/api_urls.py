from django.urls import path

from privacy import api

urlpatterns = [
    path(
        "subject-requests/",
        api.SubjectRequestListCreateApi.as_view(),
        name="api-subject-request-list",
    ),
    path(
        "subject-requests/<int:pk>/",
        api.SubjectRequestDetailApi.as_view(),
        name="api-subject-request-detail",
    ),
    path(
        "subject-requests/<int:pk>/search/",
        api.SubjectRequestSearchApi.as_view(),
        name="api-subject-request-search",
    ),
    path(
        "subject-requests/<int:pk>/matches/confirm/",
        api.SubjectRequestMatchesConfirmApi.as_view(),
        name="api-subject-request-matches-confirm",
    ),
    path(
        "subject-requests/<int:pk>/confirm/",
        api.SubjectRequestConfirmApi.as_view(),
        name="api-subject-request-confirm",
    ),
    path(
        "subject-requests/<int:pk>/export/",
        api.SubjectRequestExportApi.as_view(),
        name="api-subject-request-export",
    ),
    path(
        "subject-requests/<int:pk>/erase/",
        api.SubjectRequestEraseApi.as_view(),
        name="api-subject-request-erase",
    ),
    path(
        "subject-requests/<int:pk>/close/",
        api.SubjectRequestCloseApi.as_view(),
        name="api-subject-request-close",
    ),
]
