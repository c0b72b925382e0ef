"""API routes for learning clusters, inside a network: /api/v1/networks/{network_slug}/..."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from clusters import api

inside_network = SimpleRouter()
inside_network.register("clusters", api.ClusterViewSet, basename="api-cluster")
inside_network.register("sessions", api.SessionViewSet, basename="api-cluster-session")
inside_network.register("peer-assists", api.PeerAssistViewSet, basename="api-peer-assist")
inside_network.register("follow-ups", api.FollowUpViewSet, basename="api-follow-up")
inside_network.register("lessons", api.LessonViewSet, basename="api-lesson")

urlpatterns = [
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
]
