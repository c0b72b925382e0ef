"""API routes for funds, inside a network: /api/v1/networks/{network_slug}/..."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from funds import api

inside_network = SimpleRouter()
inside_network.register("funds", api.FundViewSet, basename="api-fund")
inside_network.register("rounds", api.RoundViewSet, basename="api-round")
inside_network.register("proposals", api.ProposalViewSet, basename="api-proposal")
inside_network.register("reviews", api.ReviewViewSet, basename="api-review")
inside_network.register("awards", api.AwardViewSet, basename="api-award")

urlpatterns = [
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
]
