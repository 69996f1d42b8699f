from django.urls import path

from records import api

urlpatterns = [
    path("record-classes/", api.RecordClassListApi.as_view(), name="api-record-class-list"),
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
    path(
        "retention-schedule-changes/",
        api.RetentionScheduleChangeListApi.as_view(),
        name="api-retention-schedule-change-list",
    ),
    path(
        "retention-schedule-changes/<int:pk>/",
        api.RetentionScheduleChangeDetailApi.as_view(),
        name="api-retention-schedule-change-detail",
    ),
    path(
        "retention-schedule-changes/<int:pk>/approve/",
        api.RetentionScheduleChangeApproveApi.as_view(),
        name="api-retention-schedule-change-approve",
    ),
]
