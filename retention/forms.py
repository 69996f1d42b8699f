from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.contrib.auth.models import Group, User
from django.utils import timezone

from core.forms import CountryField, countries_parse
from retention.models import ItemStatus


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
    started_before = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="chats started on or before this day",
    )
    countries = forms.CharField(
        required=False, help_text="codes or names, comma separated: CA, United States"
    )
    query = forms.CharField(required=False, help_text="words that appear in the chat")
    custodians = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e-mail addresses to notify, one per line; each is asked to acknowledge",
    )

    def clean_countries(self) -> str:
        """Each country as its ISO code ("Canada" → CA); a name that is no country is refused
        here, naming it, rather than kept as a scope that matches nothing."""
        return ", ".join(countries_parse(_lines(self.cleaned_data.get("countries") or "")))

    def custodian_emails(self) -> list[str]:
        return _lines(self.cleaned_data.get("custodians") or "")

    def scope(self) -> dict[str, Any]:
        data = self.cleaned_data
        scope: dict[str, Any] = {}
        for key in ("customer_emails", "customer_external_ids", "record_ids", "countries"):
            values = _lines(data.get(key) or "")
            if values:
                scope[key] = values
        for key in ("started_after", "started_before"):
            if data.get(key):
                day = data[key]
                if key == "started_before":  # "before 31 December" includes 31 December
                    day += timedelta(days=1)
                moment = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
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


class BulkExcludeForm(forms.Form):
    """Selected items (checkboxes named `records`) sent back with one reason and review date."""

    records = forms.TypedMultipleChoiceField(coerce=int, choices=())
    reason = forms.CharField(max_length=500)
    review_at = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any record id is accepted here; the service refuses ids that are not in the batch.
        values = self.data.getlist("records") if hasattr(self.data, "getlist") else []
        cast(forms.TypedMultipleChoiceField, self.fields["records"]).choices = [
            (v, v) for v in values
        ]

    def review_moment(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["review_at"], time.min, tzinfo=timezone.get_current_timezone()
        )


class BatchItemFilterForm(forms.Form):
    """Which items of a batch the review page lists (a summary row's link fills it)."""

    record_class = forms.CharField(max_length=64, required=False, label="Class")
    country = CountryField(required=False, allow_unknown=True)
    year = forms.IntegerField(required=False, min_value=1990, max_value=9999, label="Year of chat")
    status = forms.ChoiceField(
        required=False, choices=[("", "any"), *ItemStatus.choices], label="Status"
    )

    def narrowing(self) -> dict[str, Any]:
        """The filter as disposal_review_items() takes it (nothing when invalid)."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


class MatchingExcludeForm(forms.Form):
    """Every pending item the filter shows sent back at once; `expected`: the count the
    reviewer saw, so a page gone stale (items changed since) sends nothing back."""

    reason = forms.CharField(max_length=500)
    review_at = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    expected = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def review_moment(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["review_at"], time.min, tzinfo=timezone.get_current_timezone()
        )


class DispositionStageForm(forms.Form):
    """One review stage; an empty name leaves the row out (removes the stage)."""

    name = forms.CharField(max_length=100, required=False, label="Stage name")
    reviewer_group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, label="Reviewer group"
    )
    reviewers = forms.CharField(
        required=False, label="Named reviewers", help_text="user names, comma separated"
    )

    def clean_reviewers(self) -> list[User]:
        names = _lines(self.cleaned_data.get("reviewers") or "")
        users = list(User.objects.filter(username__in=names, is_active=True))
        unknown = sorted(set(names) - {u.get_username() for u in users})
        if unknown:
            raise forms.ValidationError(f"Unknown user(s): {', '.join(unknown)}")
        return users

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            (data.get("name") or "").strip()
            and not data.get("reviewer_group")
            and not data.get("reviewers")
        ):
            raise forms.ValidationError("A stage needs a reviewer group or named reviewers")
        return data


DispositionStageFormSet = forms.formset_factory(DispositionStageForm, extra=2, max_num=10)
