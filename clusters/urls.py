"""Cluster pages, mounted at networks/<slug>/clusters/ (weaver/urls.py)."""

from django.urls import path

from clusters import views

app_name = "clusters"

urlpatterns = [
    path("", views.cluster_list, name="cluster-list"),
    path("new/", views.cluster_create, name="cluster-create"),
    path("from-round/<int:round_pk>/", views.cluster_from_round, name="cluster-from-round"),
    path("<int:pk>/", views.cluster_detail, name="cluster-detail"),
    path("<int:pk>/edit/", views.cluster_edit, name="cluster-edit"),
    path("<int:pk>/candidates/", views.cluster_candidates, name="cluster-candidates"),
    path(
        "<int:pk>/participants/<int:participant_pk>/remove/",
        views.participant_remove,
        name="participant-remove",
    ),
    path("<int:pk>/people/add/", views.person_add, name="person-add"),
    path("<int:pk>/people/<int:person_pk>/remove/", views.person_remove, name="person-remove"),
    path("<int:pk>/sessions/new/", views.session_create, name="session-create"),
    path("<int:pk>/sessions/<int:session_pk>/", views.session_detail, name="session-detail"),
    path("<int:pk>/sessions/<int:session_pk>/invite/", views.session_invite, name="session-invite"),
    path(
        "<int:pk>/sessions/<int:session_pk>/peer-assists/new/",
        views.peer_assist_create,
        name="peer-assist-create",
    ),
    path("<int:pk>/peer-assists/<int:pa_pk>/", views.peer_assist_live, name="peer-assist-live"),
    path("<int:pk>/peer-assists/<int:pa_pk>/capture/", views.peer_assist_capture, name="peer-assist-capture"),
    path("<int:pk>/follow-ups/<int:follow_up_pk>/status/", views.follow_up_status, name="follow-up-status"),
    path("<int:pk>/lessons/", views.lesson_list, name="lesson-list"),
    path("<int:pk>/handbook.md", views.handbook_download, {"fmt": "md"}, name="handbook-md"),
    path("<int:pk>/handbook.html", views.handbook_download, {"fmt": "html"}, name="handbook-html"),
]
