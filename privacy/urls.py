from django.urls import path

from privacy import views

urlpatterns = [
    path("subject-requests/", views.subject_request_list, name="subject-request-list"),
    path(
        "subject-requests/<int:pk>/",
        views.subject_request_detail,
        name="subject-request-detail",
    ),
]
