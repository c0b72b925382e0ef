from django.urls import path

from networks import views

app_name = "networks"

urlpatterns = [
    path("", views.network_list, name="network-list"),
    path("<slug:slug>/", views.network_detail, name="network-detail"),
    path("<slug:slug>/members/<int:pk>/", views.member_detail, name="member-detail"),
    path("<slug:slug>/edit/", views.network_edit, name="network-edit"),
    path("<slug:slug>/members/", views.member_list, name="member-list"),
    path("<slug:slug>/members/new/", views.member_create, name="member-create"),
    path("<slug:slug>/members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("<slug:slug>/members/<int:pk>/archive/", views.member_archive, name="member-archive"),
    path(
        "<slug:slug>/members/<int:pk>/relationships/new/",
        views.relationship_create,
        name="relationship-create",
    ),
    path("<slug:slug>/relationships/<int:pk>/edit/", views.relationship_edit, name="relationship-edit"),
    path("<slug:slug>/relationships/<int:pk>/end/", views.relationship_end, name="relationship-end"),
    path("<slug:slug>/organisations/", views.organisation_list, name="organisation-list"),
]
