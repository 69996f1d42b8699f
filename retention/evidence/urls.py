from django.urls import path

from retention.evidence import views

urlpatterns = [
    path("", views.audit_evidence_download, name="audit-evidence-download"),
]
