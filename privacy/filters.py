import django_filters
from django.db.models import QuerySet

from privacy.models import DataSubjectRequest, RequestKind, RequestStatus


class SubjectRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices)
    overdue = django_filters.BooleanFilter(method="by_overdue", help_text="open and past due")

    class Meta:
        model = DataSubjectRequest
        fields = ["status", "kind", "overdue"]

    def by_overdue(
        self, queryset: QuerySet[DataSubjectRequest], name: str, value: bool | None
    ) -> QuerySet[DataSubjectRequest]:
        # `is_overdue` is annotated by privacy.selectors.subject_requests_list.
        return queryset if value is None else queryset.filter(**{"is_overdue": value})
