from django.urls import path

from integrations import api, inbound, inbound_intercom, inbound_twilio

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
    path("integrations/chatwoot/webhook/", inbound.chatwoot_webhook, name="inbound-chatwoot"),
    path("integrations/livechat/webhook/", inbound.livechat_webhook, name="inbound-livechat"),
    path(
        "integrations/intercom/webhook/",
        inbound_intercom.intercom_webhook,
        name="inbound-intercom",
    ),
    path("integrations/twilio/webhook/", inbound_twilio.twilio_webhook, name="inbound-twilio"),
    path(
        "integrations/twilio/events/",
        inbound_twilio.twilio_events_webhook,
        name="inbound-twilio-events",
    ),
    path(
        "chats/<int:pk>/send-transcript/",
        api.ChatTranscriptSendApi.as_view(),
        name="api-chat-send-transcript",
    ),
]
