from django.urls import path

from retention import disposal_views, views

urlpatterns = [
    path("records/", views.record_list, name="record-list"),
    path("records/<int:pk>/", views.record_detail, name="record-detail"),
    path("holds/", views.legal_hold_list, name="legal-hold-list"),
    path("holds/<int:pk>/", views.legal_hold_detail, name="legal-hold-detail"),
    path("disposal/", disposal_views.disposal_batch_list, name="disposal-batch-list"),
    path("disposal/<int:pk>/", disposal_views.disposal_batch_detail, name="disposal-batch-detail"),
    path(
        "disposal/policies/",
        disposal_views.disposition_policy_list,
        name="disposition-policy-list",
    ),
    path(
        "disposal/policies/<int:pk>/",
        disposal_views.disposition_policy_edit,
        name="disposition-policy-edit",
    ),
    path("certificates/", views.disposal_certificate_list, name="disposal-certificate-list"),
    path(
        "certificates/<int:pk>/",
        views.disposal_certificate_detail,
        name="disposal-certificate-detail",
    ),
]
