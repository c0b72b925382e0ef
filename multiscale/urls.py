"""Multiscale pages, mounted at networks/<slug>/multiscale/ (weaver/urls.py)."""

from django.urls import path

from multiscale import views

app_name = "multiscale"

urlpatterns = [
    path("prospects/", views.prospect_list, name="prospect-list"),
    path("prospects/new/", views.prospect_create, name="prospect-create"),
    path("prospects/<int:pk>/", views.prospect_edit, name="prospect-edit"),
    path("prospects/<int:pk>/move/", views.prospect_move, name="prospect-move"),
    path("prospects/<int:pk>/join/", views.prospect_join, name="prospect-join"),
    path("member-networks/", views.member_network_list, name="member-network-list"),
    path("member-networks/become-meta/", views.meta_become, name="meta-become"),
    path("member-networks/request/", views.member_network_request, name="member-network-request"),
    path("member-networks/invite/", views.member_network_invite, name="member-network-invite"),
    path("member-networks/<int:pk>/accept/", views.member_network_accept, name="member-network-accept"),
    path("member-networks/<int:pk>/sharing/", views.member_network_sharing, name="member-network-sharing"),
    path("member-networks/<int:pk>/leave/", views.member_network_leave, name="member-network-leave"),
    path("meta/", views.meta_overview, name="meta-overview"),
    path("meta/confirm/", views.organisation_match_confirm, name="organisation-match-confirm"),
]
