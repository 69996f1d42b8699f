from django.urls import path

from integrations import api

urlpatterns = [
    path(
        "integrations/webhooks/",
        api.WebhookSubscriptionListCreateApi.as_view(),
        name="api-webhook-list",
    ),
    path(
        "integrations/webhooks/<int:pk>/",
        api.WebhookSubscriptionDetailApi.as_view(),
        name="api-webhook-detail",
    ),
    path(
        "integrations/webhook-deliveries/",
        api.WebhookDeliveryListApi.as_view(),
        name="api-webhook-delivery-list",
    ),
]
