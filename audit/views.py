from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.filters import AuditEventFilter
from audit.selectors import audit_events_newest_first
from audit.services import audit_chain_verify_configured
from core.roles import GOVERNANCE_ROLES
from core.sorting import SortColumn, TableSort, sort_headers
from core.views import role_required

PAGE_SIZE = 100
# The chain's order (sequence) is the default and the tie-breaker: events of the same moment
# stay in the order they were sealed.
AUDIT_SORT = TableSort(
    columns=(
        SortColumn("seq", ("sequence",)),
        SortColumn("when", ("occurred_at",)),
        SortColumn("actor", ("actor_username",)),
        SortColumn("action", ("action",)),
    ),
    default="-seq",
    tie_breaker="sequence",
)
AUDIT_HEADERS = {"seq": "#", "when": "When", "actor": "Actor", "action": "Action"}


@role_required(*GOVERNANCE_ROLES)
def audit_event_list(request: HttpRequest) -> HttpResponse:
    """The audit log; `?verify=1` recomputes the whole chain (read-only) and shows the result."""
    sort = AUDIT_SORT.state(request.GET)
    event_filter = AuditEventFilter(
        request.GET, queryset=audit_events_newest_first().order_by(*sort.order_by)
    )
    page = Paginator(event_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    verification = audit_chain_verify_configured() if request.GET.get("verify") == "1" else None
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    return render(
        request,
        "audit/audit_event_list.html",
        {
            "filter": event_filter,
            "page": page,
            "verification": verification,
            "query": query.urlencode(),
            "sort": sort_headers(sort, AUDIT_HEADERS),
        },
    )
