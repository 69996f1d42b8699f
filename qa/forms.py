from django import forms

from qa.models import QAReason, QAStatus
from records.models import RecordClass


class QAQueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "any"), *QAStatus.choices], required=False, initial=QAStatus.PENDING
    )
    reason = forms.ChoiceField(choices=[("", "any"), *QAReason.choices], required=False)
    country = forms.CharField(required=False, max_length=7, help_text="ISO code or 'unknown'")


class QAConfirmForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.HiddenInput)


class QACorrectForm(forms.Form):
    country = forms.CharField(
        max_length=2,
        help_text="ISO 3166-1 alpha-2, e.g. CA",
        widget=forms.TextInput(
            attrs={"accesskey": "t", "autocomplete": "off", "size": 3, "pattern": "[A-Za-z]{2}"}
        ),
    )
    region = forms.CharField(
        max_length=6,
        required=False,
        help_text="ISO 3166-2, e.g. CA-QC (optional)",
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 7}),
    )
    record_class = forms.ModelChoiceField(
        queryset=RecordClass.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="keep the current class",
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="optional, no PII"
    )
