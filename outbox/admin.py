from django import forms
from django.contrib import admin

from outbox.models import WebhookDelivery, WebhookSubscription
from outbox.targets import TargetRefused, webhook_target_check


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "is_active", "created_by"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            webhook_target_check(url=url)
        except TargetRefused as refusal:
            raise forms.ValidationError(f"This webhook URL is refused: {refusal}") from None
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
