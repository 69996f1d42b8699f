"""Refusals that must happen before any view runs, in the error format of the surface asked.

- A NUL character in a query parameter's name or value is a 400 here, once, for every view:
  PostgreSQL text cannot hold NUL, so such a value would otherwise fail deep in a query.
- `bad_request` (handler400) answers what Django refuses itself (an oversize body, too many
  fields, a disallowed host): JSON on the API, the webhooks and OData instead of the HTML page.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
ODATA_PREFIX = "/odata/"
NUL = "\x00"


def error_response(request: HttpRequest, status: int, message: str, **extra: Any) -> HttpResponse:
    """A 4xx in the format of the surface: OData's error object under /odata/, SPEC §4.1's
    {"message", "extra"} under /api/, a short plain-text page elsewhere."""
    if request.path.startswith(ODATA_PREFIX):
        code = "PayloadTooLarge" if status == 413 else "BadRequest"
        return JsonResponse(
            {"error": {"code": code, "message": message}},
            status=status,
            headers={"OData-Version": "4.0"},
        )
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"message": message, "extra": extra}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _nul_parameter(request: HttpRequest) -> str | None:
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return name
    return None


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = _nul_parameter(request)
        if name is not None:
            shown = name.replace(NUL, "\\u0000")
            return error_response(
                request, 400, f"query parameter {shown!r} contains a NUL character", parameter=name
            )
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: JSON for the machine surfaces, Django's page for the others."""
    if not request.path.startswith((API_PREFIX, ODATA_PREFIX)):
        return defaults.bad_request(request, exception)  # type: ignore[arg-type]
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, "the request body is too large")
    return error_response(request, 400, "the request was refused as malformed")
