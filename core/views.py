"""Page helpers: role checks for views (SPEC §1) and the home page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from core.navigation import landing_url_for
from core.roles import Role, user_has_role, user_roles

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _check(request: HttpRequest, roles: tuple[Role, ...], write_roles: tuple[Role, ...]) -> None:
    allowed = write_roles if request.method not in SAFE_METHODS else roles + write_roles
    if not user_has_role(request.user, *allowed):
        raise PermissionDenied("Your role does not allow this page")


def role_required(
    *roles: Role, write_roles: tuple[Role, ...] = ()
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Function views: `roles` may read (GET); `write_roles` may also POST. Others get 403."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            _check(request, roles, write_roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class views: `read_roles` may GET, `write_roles` may also POST. Default: nobody."""

    read_roles: tuple[Role, ...] = ()
    write_roles: tuple[Role, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        _check(request, self.read_roles, self.write_roles)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class HomeView(TemplateView):
    """Anonymous visitors get the welcome page; signed-in users go to their role's first page."""

    template_name = "core/home.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return render(request, "core/welcome.html", {"form": AuthenticationForm()})
        landing = landing_url_for(request.user)
        if landing:
            return redirect(landing)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["roles"] = sorted(user_roles(self.request.user))
        return context
