from django.urls import path

from records import views

urlpatterns = [
    path("file-plan/", views.file_plan, name="file-plan"),
    path("file-plan/schedules/new/", views.schedule_edit, name="schedule-create"),
    path("file-plan/schedules/<int:pk>/", views.schedule_edit, name="schedule-edit"),
    path("file-plan/schedule-changes/", views.schedule_changes, name="schedule-changes"),
    path(
        "file-plan/schedule-changes/<int:pk>/approve/",
        views.schedule_change_approve,
        name="schedule-change-approve",
    ),
]
