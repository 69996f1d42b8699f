from django.urls import path

from records import views

urlpatterns = [
    path("file-plan/", views.file_plan, name="file-plan"),
    path("file-plan/schedules/new/", views.schedule_edit, name="schedule-create"),
    path("file-plan/schedules/<int:pk>/", views.schedule_edit, name="schedule-edit"),
    path("file-plan/schedule-changes/", views.schedule_changes, name="schedule-changes"),
    path("file-plan/classes/new/", views.record_class_edit, name="record-class-create"),
    path("file-plan/classes/<int:pk>/", views.record_class_edit, name="record-class-edit"),
    path("file-plan/rules/new/", views.declaration_rule_edit, name="declaration-rule-create"),
    path("file-plan/rules/<int:pk>/", views.declaration_rule_edit, name="declaration-rule-edit"),
    path(
        "file-plan/schedule-changes/<int:pk>/approve/",
        views.schedule_change_approve,
        name="schedule-change-approve",
    ),
]
