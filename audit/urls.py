from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_event_list, name="audit-event-list"),
]
