"""API routes for networks; everything inside a network hangs under networks/{network_slug}/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from networks import api

networks = SimpleRouter()
networks.register("networks", api.NetworkViewSet, basename="api-network")

inside_network = SimpleRouter()
inside_network.register("members", api.MemberViewSet, basename="api-member")
inside_network.register("organisations", api.OrganisationViewSet, basename="api-organisation")
inside_network.register("relationships", api.RelationshipViewSet, basename="api-relationship")

urlpatterns = [
    path("", include(networks.urls)),
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
]
