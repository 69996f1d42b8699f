from django import forms

from records.models import DispositionAction, RetentionSchedule


class RetentionScheduleForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=255, help_text="why the file plan changes (kept in history)"
    )

    class Meta:
        model = RetentionSchedule
        fields = [
            "record_class",
            "jurisdiction",
            "retention_years",
            "retention_months",
            "retention_days",
            "trigger",
            "pii_period_days",
            "action",
            "citation",
            "effective_from",
            "effective_to",
        ]
        widgets = {
            "citation": forms.Textarea(attrs={"rows": 2}),
            "action": forms.Select(choices=DispositionAction.choices),
        }
