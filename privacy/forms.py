from django import forms

from privacy.models import RequestKind, RequestStatus
from privacy.services.requests import LAWS


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=RequestKind.choices)
    jurisdiction = forms.ChoiceField(
        choices=[
            (code, f"{code} — {law.name}, {law.days} days") for code, law in sorted(LAWS.items())
        ],
        help_text="the law that sets the deadline",
    )
    email = forms.CharField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=64)
    name = forms.CharField(required=False, max_length=255)
    reference = forms.CharField(required=False, max_length=128, help_text="ticket number")
    received_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="default: now",
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(RequestStatus.COMPLETED, "Completed"), (RequestStatus.REJECTED, "Rejected")]
    )
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="what was done, without personal data",
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that erasable chats are destroyed now and cannot be restored"
    )
