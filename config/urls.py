from importlib.util import find_spec

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.views import HomeView


def _apps_with(module: str) -> list[str]:
    """The project's apps that have `<app>.<module>` (urls, api_urls), in layer order."""
    return [app for app in settings.PROJECT_APPS if find_spec(f"{app}.{module}") is not None]


API_APPS = _apps_with("api_urls")
PAGE_APPS = _apps_with("urls")

# Swagger UI for signed-in users; its start-up script is a separate request (no inline script
# under the CSP); the page alone allows the inline styles Swagger UI brings.
api_docs = login_required(
    csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")
    )
)
# JSON refusals on the API, webhooks and OData for what Django itself refuses (oversize body…).
handler400 = "core.middleware.bad_request"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("odata/", include("integrations.odata.urls")),
    path("audit/evidence/", include("retention.evidence.urls")),
    *[path("api/v1/", include(f"{app}.api_urls")) for app in API_APPS],
    *[path("", include(f"{app}.urls")) for app in PAGE_APPS],
]
