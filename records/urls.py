from django.urls import path

from records import views

urlpatterns = [
    path("records/", views.record_list, name="record-list"),
    path("records/<int:pk>/", views.record_detail, name="record-detail"),
    path("file-plan/", views.file_plan, name="file-plan"),
    path("file-plan/schedules/new/", views.schedule_edit, name="schedule-create"),
    path("file-plan/schedules/<int:pk>/", views.schedule_edit, name="schedule-edit"),
]
