from django.urls import path, re_path

from integrations.odata import views

urlpatterns = [
    path("", views.service_document, name="odata-service"),
    path("$metadata", views.metadata, name="odata-metadata"),
    re_path(r"^(?P<name>[A-Za-z]+)/\$count$", views.count, name="odata-count"),
    re_path(r"^(?P<name>[A-Za-z]+)\((?P<key>\d+)\)$", views.entity, name="odata-entity"),
    re_path(r"^(?P<name>[A-Za-z]+)$", views.collection, name="odata-collection"),
]
