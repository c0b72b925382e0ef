from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from networks.models import (
    AccessInvitation,
    ImportBatch,
    ImportFile,
    Member,
    MemberMetric,
    MemberViewMetric,
    Network,
    NetworkRole,
    Relationship,
    RelationshipReport,
    Snapshot,
    SnapshotTies,
    SuggestionDecision,
    Tag,
)


class NetworkRoleInline(admin.TabularInline):
    model = NetworkRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [NetworkRoleInline]


@admin.register(NetworkRole)
class NetworkRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "role"]
    list_filter = ["role", "network"]
    search_fields = ["user__username", "network__name"]


@admin.register(AccessInvitation)
class AccessInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "network", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["network"]
    search_fields = ["email", "member__name", "network__name"]
    raw_id_fields = ["member", "created_by", "accepted_by"]
    # Accepting gives roles: that happens through the link only (networks.services).
    readonly_fields = ["roles", "accepted_at", "accepted_by", "created_at"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "network"]
    list_filter = ["network"]
    search_fields = ["name"]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "email", "community", "network", "archived_at"]
    list_filter = ["kind", "network", "community"]
    search_fields = ["name", "email"]
    filter_horizontal = ["organisations", "tags"]
    raw_id_fields = ["user"]


@admin.register(Relationship)
class RelationshipAdmin(SimpleHistoryAdmin):
    list_display = ["source", "target", "kind", "strength", "direction", "provenance", "ended_on"]
    list_filter = ["provenance", "direction", "network"]
    search_fields = ["source__name", "target__name", "kind"]
    raw_id_fields = ["source", "target"]


@admin.register(RelationshipReport)
class RelationshipReportAdmin(admin.ModelAdmin):
    list_display = ["relationship", "reporter", "key", "strength", "created_at"]
    list_filter = ["key"]
    raw_id_fields = ["relationship", "reporter"]


class ImportFileInline(admin.TabularInline):
    model = ImportFile
    extra = 0
    fields = ["name"]
    readonly_fields = ["name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "network", "status", "created_by", "created_at", "applied_at"]
    list_filter = ["status", "network"]
    inlines = [ImportFileInline]


@admin.register(ImportFile)
class ImportFileAdmin(admin.ModelAdmin):
    list_display = ["name", "batch"]
    exclude = ["content"]
    readonly_fields = ["name", "batch"]


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are written by the workers (networks.snapshots)."""

    list_display = ["id", "network", "status", "trigger", "progress", "created_at", "finished_at"]
    list_filter = ["status", "trigger", "network"]
    exclude = ["suggestions", "views", "communities", "bridges", "gatekeepers", "view_figures"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MemberMetric)
class MemberMetricAdmin(admin.ModelAdmin):
    list_display = ["member", "snapshot", "degree", "betweenness", "community", "roles"]
    list_filter = ["snapshot__network"]
    raw_id_fields = ["member", "snapshot"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MemberViewMetric)
class MemberViewMetricAdmin(MemberMetricAdmin):
    list_display = ["member", "snapshot", "view", "degree", "betweenness", "community", "roles"]
    list_filter = ["view", "snapshot__network"]


@admin.register(SnapshotTies)
class SnapshotTiesAdmin(admin.ModelAdmin):
    """Read-only, and without the ties themselves (up to megabytes): written by the workers."""

    list_display = ["snapshot", "view"]
    list_filter = ["view", "snapshot__network"]
    exclude = ["ties"]
    raw_id_fields = ["snapshot"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SuggestionDecision)
class SuggestionDecisionAdmin(admin.ModelAdmin):
    list_display = ["member_a", "member_b", "decision", "kind", "decided_by", "decided_at"]
    list_filter = ["decision", "network"]
    raw_id_fields = ["member_a", "member_b", "relationship"]
