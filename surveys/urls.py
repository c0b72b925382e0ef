"""Survey pages: coordinators' under networks/<slug>/surveys/, respondents' personal links under survey/."""

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("networks/<slug:slug>/surveys/", views.campaign_list, name="campaign-list"),
    path("networks/<slug:slug>/surveys/new/", views.campaign_create, name="campaign-create"),
    path("networks/<slug:slug>/surveys/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path(
        "networks/<slug:slug>/surveys/<int:pk>/progress/", views.campaign_progress, name="campaign-progress"
    ),
    path("networks/<slug:slug>/surveys/<int:pk>/results/", views.campaign_results, name="campaign-results"),
    path("networks/<slug:slug>/surveys/<int:pk>/status/", views.campaign_status, name="campaign-status"),
    path("networks/<slug:slug>/surveys/<int:pk>/invite/", views.campaign_invite, name="campaign-invite"),
    path("networks/<slug:slug>/surveys/<int:pk>/remind/", views.campaign_remind, name="campaign-remind"),
    path(
        "networks/<slug:slug>/surveys/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "networks/<slug:slug>/surveys/<int:pk>/pending/<int:pending_pk>/",
        views.pending_decide,
        name="pending-decide",
    ),
    path(
        "networks/<slug:slug>/surveys/<int:pk>/responses.csv", views.campaign_export, name="campaign-export"
    ),
    path("survey/<int:campaign_pk>/<str:token>/", views.answer, name="answer"),
    path("survey/<int:campaign_pk>/<str:token>/search/", views.answer_search, name="answer-search"),
    path("survey/<int:campaign_pk>/<str:token>/people/", views.answer_pending, name="answer-pending"),
]
