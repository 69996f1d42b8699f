import django_filters
from django.db.models import QuerySet

from chats.models import CountrySource
from qa.models import QAReason, QAReview, QAStatus
from qa.selectors import qa_reviews_filter


class QAReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=QAStatus.choices, method="narrow")
    reason = django_filters.ChoiceFilter(choices=QAReason.choices, method="narrow")
    country = django_filters.CharFilter(method="narrow", help_text="ISO code, or 'unknown'")
    source = django_filters.ChoiceFilter(
        choices=CountrySource.choices, method="narrow", help_text="original country source"
    )

    class Meta:
        model = QAReview
        fields = ["status", "reason", "country", "source"]

    def narrow(self, queryset: QuerySet[QAReview], name: str, value: str) -> QuerySet[QAReview]:
        return qa_reviews_filter(queryset, **{name: value})
