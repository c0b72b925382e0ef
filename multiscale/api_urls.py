"""API routes for prospects and meta-networks, inside a network: /api/v1/networks/{network_slug}/..."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from multiscale import api

inside_network = SimpleRouter()
inside_network.register("prospects", api.ProspectViewSet, basename="api-prospect")
inside_network.register("member-networks", api.MemberNetworkViewSet, basename="api-member-network")

urlpatterns = [
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
    path(
        "networks/<slug:network_slug>/scale-crossers/",
        api.ScaleCrosserViewSet.as_view({"get": "list"}),
        name="api-scale-crossers",
    ),
    path(
        "networks/<slug:network_slug>/scale-crossers/confirm/",
        api.ScaleCrosserViewSet.as_view({"post": "confirm"}),
        name="api-scale-crossers-confirm",
    ),
    path(
        "networks/<slug:network_slug>/meta-map/",
        api.MetaMapViewSet.as_view({"get": "meta_map"}),
        name="api-meta-map",
    ),
]
