from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from accounts import views as accounts_views
from networks import views as networks_views
from weaver import health, pages
from weaver.lib.docs import SwaggerView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="networks:network-list", permanent=False)),
    path("favicon.ico", pages.favicon, name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("account/", include("accounts.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_reset/", accounts_views.password_reset, name="password_reset"),
    # Django's view checks the link before the method, so it would answer any method with the page.
    path(
        "accounts/reset/<uidb64>/<token>/",
        require_http_methods(["GET", "POST"])(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    # Password reset and first-time password setting (the access e-mail links here).
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("weaver.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("networks/", include("networks.urls")),
    path("invitations/<str:token>/", networks_views.invitation_accept, name="invitation-accept"),
    path("networks/<slug:slug>/clusters/", include("clusters.urls")),
    path("networks/<slug:slug>/funds/", include("funds.urls")),
    path("", include("surveys.urls")),
    path("networks/<slug:slug>/multiscale/", include("multiscale.urls")),
]

# JSON in the API's error shape under /api/, Django's pages elsewhere.
handler400 = "weaver.lib.api.handler400"
handler403 = "weaver.lib.api.handler403"
handler404 = "weaver.lib.api.handler404"
handler500 = "weaver.lib.api.handler500"
