"""API routes for funds, inside a network: /api/v1/networks/{network_slug}/..."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from funds import api, api_rounds

inside_network = SimpleRouter()
inside_network.register("funds", api.FundViewSet, basename="api-fund")
inside_network.register("rounds", api.RoundViewSet, basename="api-round")
inside_network.register("proposals", api.ProposalViewSet, basename="api-proposal")
inside_network.register("reviews", api.ReviewViewSet, basename="api-review")
inside_network.register("awards", api.AwardViewSet, basename="api-award")
ROUND = r"rounds/(?P<round_pk>[0-9]+)"
inside_network.register(
    f"{ROUND}/design-group", api_rounds.DesignGroupViewSet, basename="api-round-design-group"
)
inside_network.register(f"{ROUND}/reviewers", api_rounds.ReviewerPoolViewSet, basename="api-round-reviewer")
inside_network.register(
    f"{ROUND}/assignments", api_rounds.RoundAssignmentViewSet, basename="api-round-assignment"
)
inside_network.register(f"{ROUND}/conflicts", api_rounds.RoundConflictViewSet, basename="api-round-conflict")

urlpatterns = [
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
]
