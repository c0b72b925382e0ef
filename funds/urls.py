"""Fund pages, mounted at networks/<slug>/funds/ (weaver/urls.py)."""

from django.urls import path

from funds import views

app_name = "funds"

urlpatterns = [
    path("", views.fund_list, name="fund-list"),
    path("<int:fund_pk>/rounds/new/", views.round_create, name="round-create"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round-edit"),
    path("rounds/<int:pk>/transition/", views.round_transition, name="round-transition"),
    path("rounds/<int:pk>/design-group/", views.round_design_group, name="round-design-group"),
    path("rounds/<int:pk>/reviewers/", views.reviewer_add, name="reviewer-add"),
    path("rounds/<int:pk>/assignments/", views.round_assignments, name="round-assignments"),
    path(
        "rounds/<int:pk>/assignments/adjust/", views.round_assignments_adjust, name="round-assignments-adjust"
    ),
    path("rounds/<int:pk>/reports/", views.round_reports, name="round-reports"),
    path("rounds/<int:pk>/ranking/", views.round_ranking, name="round-ranking"),
    path("rounds/<int:round_pk>/apply/", views.proposal_edit, name="proposal-create"),
    path("rounds/<int:round_pk>/proposals/<int:pk>/edit/", views.proposal_edit, name="proposal-edit"),
    path("join/<str:token>/", views.round_join, name="round-join"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/award/", views.proposal_award, name="proposal-award"),
    path("proposals/<int:pk>/decline/", views.proposal_decline, name="proposal-decline"),
    path("reviews/", views.my_reviews, name="my-reviews"),
    path("reviews/<int:pk>/", views.review_form, name="review-form"),
    path("reviews/<int:pk>/recuse/", views.review_recuse, name="review-recuse"),
]
