from django import forms

from knowledgebase.models import ArticleStatus, Category
from knowledgebase.taxonomy import keyword_normalise


class ArticleForm(forms.Form):
    question = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    solution = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    keywords = forms.CharField(
        required=False, help_text="Comma-separated, e.g. refund, card, business days"
    )
    status = forms.ChoiceField(choices=ArticleStatus.choices, initial=ArticleStatus.DRAFT)
    source_chat = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("keywords") or ""
        return [keyword_normalise(part) for part in raw.split(",") if keyword_normalise(part)]


class TagForm(forms.Form):
    tag = forms.CharField(max_length=64)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")], initial="add")


class TaxonomyTermForm(forms.Form):
    term = forms.CharField(max_length=128)
    category = forms.ModelChoiceField(queryset=Category.objects.all())
