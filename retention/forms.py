from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone


def _lines(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


class LegalHoldForm(forms.Form):
    matter = forms.CharField(max_length=255)
    reference = forms.CharField(max_length=128, required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    customer_emails = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="one per line"
    )
    customer_external_ids = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="one per line"
    )
    record_ids = forms.CharField(required=False, help_text="record numbers, comma separated")
    started_after = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    started_before = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    countries = forms.CharField(required=False, help_text="ISO codes, comma separated")
    query = forms.CharField(required=False, help_text="words that appear in the chat")

    def scope(self) -> dict[str, Any]:
        data = self.cleaned_data
        scope: dict[str, Any] = {}
        for key in ("customer_emails", "customer_external_ids", "record_ids", "countries"):
            values = _lines(data.get(key) or "")
            if values:
                scope[key] = values
        for key in ("started_after", "started_before"):
            if data.get(key):
                moment = datetime.combine(
                    data[key], time.min, tzinfo=timezone.get_current_timezone()
                )
                scope[key] = moment.isoformat()
        if data.get("query"):
            scope["query"] = data["query"]
        return scope


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ExcludeForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500)
    review_at = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def review_moment(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["review_at"], time.min, tzinfo=timezone.get_current_timezone()
        )


class ReviewDecisionForm(forms.Form):
    """A records manager's decision on a record due for review (schedule action `review`)."""

    decision = forms.ChoiceField(
        choices=[("retain", "Retain until a new date"), ("destroy", "Destroy (next batch)")]
    )
    retain_until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="for retain"
    )
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def retain_moment(self) -> datetime | None:
        value = self.cleaned_data.get("retain_until")
        if value is None:
            return None
        return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())
