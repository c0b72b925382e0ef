"""The REST API's routes under /api/v1/; each app contributes its own router."""

from django.urls import include, path

urlpatterns = [
    path("", include("networks.api_urls")),
    path("", include("clusters.api_urls")),
    path("", include("funds.api_urls")),
    path("", include("surveys.api_urls")),
    path("", include("multiscale.api_urls")),
]
