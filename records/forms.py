from typing import Any

from django import forms

from records.models import (
    Cutoff,
    DeclarationRule,
    DispositionAction,
    RecordClass,
    RetentionSchedule,
)
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


REASON_HELP = "why the file plan changes (kept in history and the audit log)"


class RecordClassForm(forms.ModelForm):
    reason = forms.CharField(max_length=255, help_text=REASON_HELP)

    class Meta:
        model = RecordClass
        fields = ["code", "title", "description", "citation", "is_record", "vital"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "citation": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"is_record": "A record (untick: transitory, not kept as a record)"}


def _words(value: str) -> list[str]:
    return [word.strip() for word in value.replace("\n", ",").split(",") if word.strip()]


class DeclarationRuleForm(forms.ModelForm):
    """Lists (sources, countries, keywords, tags) are typed comma- or line-separated."""

    LIST_FIELDS = ("sources", "countries", "keywords", "tags")
    sources = forms.CharField(required=False, help_text="chat sources; empty: any")
    countries = forms.CharField(required=False, help_text="ISO codes, comma separated; empty: any")
    keywords = forms.CharField(required=False, help_text="any of these words in the chat")
    tags = forms.CharField(required=False, help_text="any of these tags on the chat")
    reason = forms.CharField(max_length=255, help_text=REASON_HELP)

    class Meta:
        model = DeclarationRule
        fields = [
            "position",
            "name",
            "description",
            "record_class",
            "min_customer_messages",
            "max_customer_messages",
            "agent_participation",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            for name in self.LIST_FIELDS:
                self.initial[name] = ", ".join(getattr(self.instance, name) or [])

    def clean_countries(self) -> list[str]:
        return [code.upper() for code in _words(self.cleaned_data.get("countries") or "")]

    def clean_sources(self) -> list[str]:
        return _words(self.cleaned_data.get("sources") or "")

    def clean_keywords(self) -> list[str]:
        return [word.lower() for word in _words(self.cleaned_data.get("keywords") or "")]

    def clean_tags(self) -> list[str]:
        return [tag.lower() for tag in _words(self.cleaned_data.get("tags") or "")]

    def rule(self) -> DeclarationRule:
        """The instance with every field as typed (unsaved), for a dry run or a save."""
        rule: DeclarationRule = self.save(commit=False)
        for name in self.LIST_FIELDS:
            setattr(rule, name, self.cleaned_data[name])
        return rule
