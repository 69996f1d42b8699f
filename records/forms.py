from typing import Any

from django import forms

from records.models import Cutoff, DispositionAction, RetentionSchedule
from records.schedules import SCHEDULE_FIELDS


class RetentionScheduleForm(forms.ModelForm):
    vital = forms.BooleanField(
        required=False,
        label="Vital records",
        help_text="the record class's flag: records needed to continue operations after a disaster",
    )
    reason = forms.CharField(
        max_length=255, help_text="why the file plan changes (kept in history)"
    )

    class Meta:
        model = RetentionSchedule
        fields = ["record_class", *SCHEDULE_FIELDS]
        widgets = {
            "citation": forms.Textarea(attrs={"rows": 2}),
            "action": forms.Select(choices=DispositionAction.choices),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cutoff"].required = False  # absent: none (the trigger date itself)
        if self.instance.pk:
            self.fields["vital"].initial = self.instance.record_class.vital

    def clean_cutoff(self) -> str:
        return self.cleaned_data.get("cutoff") or Cutoff.NONE
