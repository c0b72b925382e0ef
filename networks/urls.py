from django.urls import path

from networks import views, views_io, views_metrics

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
    path("<slug:slug>/access/", views.access_list, name="access-list"),
    path("<slug:slug>/access/<int:user_id>/remove/", views.access_revoke, name="access-revoke"),
    path(
        "<slug:slug>/access/invitations/<int:invitation_id>/withdraw/",
        views.access_invitation_revoke,
        name="access-invitation-revoke",
    ),
    path("<slug:slug>/organisations/", views.organisation_list, name="organisation-list"),
    path("<slug:slug>/dashboard/", views_metrics.dashboard, name="dashboard"),
    path("<slug:slug>/dashboard/recompute/", views_metrics.snapshot_recompute, name="snapshot-recompute"),
    path("<slug:slug>/dashboard/progress/", views_metrics.snapshot_progress, name="snapshot-progress"),
    path("<slug:slug>/snapshots/compare/", views_metrics.snapshot_compare, name="snapshot-compare"),
    path("<slug:slug>/map/", views_metrics.map_page, name="map"),
    path("<slug:slug>/map/data.json", views_metrics.map_data, name="map-data"),
    path("<slug:slug>/map/members/<int:pk>/", views_metrics.map_member, name="map-member"),
    path("<slug:slug>/suggestions/", views_metrics.suggestion_list, name="suggestions"),
    path("<slug:slug>/suggestions/accept/", views_metrics.suggestion_accept, name="suggestion-accept"),
    path("<slug:slug>/suggestions/dismiss/", views_metrics.suggestion_dismiss, name="suggestion-dismiss"),
    path("<slug:slug>/import/", views_io.import_upload, name="import-upload"),
    path("<slug:slug>/import/<int:batch_id>/", views_io.import_preview, name="import-preview"),
    path("<slug:slug>/import/<int:batch_id>/confirm/", views_io.import_confirm, name="import-confirm"),
    path("<slug:slug>/import/<int:batch_id>/progress/", views_io.import_progress, name="import-progress"),
    path("<slug:slug>/export/", views_io.export, name="export"),
    path("<slug:slug>/export/<str:fmt>/", views_io.export_download, name="export-download"),
]
