"""API routes for networks; everything inside a network hangs under networks/{network_slug}/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from networks import api, api_metrics

networks = SimpleRouter()
networks.register("networks", api.NetworkViewSet, basename="api-network")

inside_network = SimpleRouter()
inside_network.register("members", api.MemberViewSet, basename="api-member")
inside_network.register("organisations", api.OrganisationViewSet, basename="api-organisation")
inside_network.register("relationships", api.RelationshipViewSet, basename="api-relationship")
inside_network.register("access/invitations", api.AccessInvitationViewSet, basename="api-access-invitation")
inside_network.register("access", api.AccessViewSet, basename="api-access")

inside_network.register("metrics/members", api_metrics.MemberMetricViewSet, basename="api-member-metric")
inside_network.register("suggestions", api_metrics.SuggestionViewSet, basename="api-suggestion")
inside_network.register("snapshots", api_metrics.SnapshotViewSet, basename="api-snapshot")

metrics_views = [
    path("metrics/", api_metrics.MetricsViewSet.as_view({"get": "summary"}), name="api-metrics"),
    path(
        "metrics/recompute/",
        api_metrics.MetricsViewSet.as_view({"post": "recompute"}),
        name="api-metrics-recompute",
    ),
    path("graph.json", api_metrics.GraphExportViewSet.as_view({"get": "node_link"}), name="api-graph-json"),
    path("graph.gexf", api_metrics.GraphExportViewSet.as_view({"get": "gexf"}), name="api-graph-gexf"),
    path(
        "graph.graphml", api_metrics.GraphExportViewSet.as_view({"get": "graphml"}), name="api-graph-graphml"
    ),
]

urlpatterns = [
    path("", include(networks.urls)),
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
    path("networks/<slug:network_slug>/", include(metrics_views)),
]
