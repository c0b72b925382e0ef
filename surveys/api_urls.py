"""API routes for surveys, inside a network: /api/v1/networks/{network_slug}/surveys/..."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from surveys import api

inside_network = SimpleRouter()
inside_network.register("surveys", api.CampaignViewSet, basename="api-survey")

urlpatterns = [
    path("networks/<slug:network_slug>/", include(inside_network.urls)),
]
