from django import forms

from core.forms import CountryField
from qa.models import QAReason, QAStatus
from records.models import RecordClass


class QAQueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "any"), *QAStatus.choices], required=False, initial=QAStatus.PENDING
    )
    reason = forms.ChoiceField(choices=[("", "any"), *QAReason.choices], required=False)
    country = CountryField(required=False, allow_unknown=True)


class QAConfirmForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.HiddenInput)


class QACorrectForm(forms.Form):
    # A code or a name ("CA", "Canada"): "Canada" is never cut to "CA" unseen (issue #18).
    country = CountryField(
        help_text="ISO 3166-1 code or English name, e.g. CA or Canada",
        widget=forms.TextInput(attrs={"accesskey": "t", "autocomplete": "off", "size": 16}),
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
