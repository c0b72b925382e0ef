from django.contrib import admin

from clusters.models import (
    AdviceItem,
    Attendance,
    ClusterParticipant,
    ClusterPerson,
    ClusterSession,
    FollowUp,
    LearningCluster,
    Lesson,
    PeerAssist,
    PeerAssistQuestion,
    SessionInvitation,
    SessionTieEffect,
)


class ParticipantInline(admin.TabularInline):
    model = ClusterParticipant
    extra = 0
    raw_id_fields = ["organisation"]


class PersonInline(admin.TabularInline):
    model = ClusterPerson
    extra = 0
    raw_id_fields = ["person", "participant"]


@admin.register(LearningCluster)
class LearningClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "status", "starts_on", "ends_on", "learning_ties_enabled"]
    list_filter = ["status", "network"]
    search_fields = ["name", "description"]
    filter_horizontal = ["strategy_tags", "facilitators"]
    inlines = [ParticipantInline, PersonInline]


@admin.register(ClusterParticipant)
class ClusterParticipantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cluster", "community"]
    list_filter = ["cluster__network"]
    raw_id_fields = ["organisation", "cluster"]


@admin.register(ClusterPerson)
class ClusterPersonAdmin(admin.ModelAdmin):
    list_display = ["person", "cluster", "participant"]
    raw_id_fields = ["person", "cluster", "participant"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["person", "recorded_by"]


@admin.register(ClusterSession)
class ClusterSessionAdmin(admin.ModelAdmin):
    list_display = ["display_title", "cluster", "starts_at", "mode"]
    list_filter = ["mode", "cluster__network"]
    date_hierarchy = "starts_at"
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "attended"]
    list_filter = ["attended"]
    raw_id_fields = ["person", "session", "recorded_by"]


@admin.register(SessionTieEffect)
class SessionTieEffectAdmin(admin.ModelAdmin):
    list_display = ["session", "person_a", "person_b", "created_tie", "created_at"]
    raw_id_fields = ["session", "person_a", "person_b", "relationship"]


@admin.register(SessionInvitation)
class SessionInvitationAdmin(admin.ModelAdmin):
    list_display = ["session", "person", "sequence", "sent_at"]
    raw_id_fields = ["session", "person"]


class QuestionInline(admin.TabularInline):
    model = PeerAssistQuestion
    extra = 0
    raw_id_fields = ["asked_by"]


class AdviceInline(admin.TabularInline):
    model = AdviceItem
    extra = 0
    raw_id_fields = ["given_by"]


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(PeerAssist)
class PeerAssistAdmin(admin.ModelAdmin):
    list_display = ["__str__", "session", "created_at"]
    raw_id_fields = ["session", "presenter", "assisting"]
    inlines = [QuestionInline, AdviceInline, FollowUpInline]


@admin.register(PeerAssistQuestion)
class PeerAssistQuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "peer_assist", "created_at"]
    raw_id_fields = ["peer_assist", "asked_by"]


@admin.register(AdviceItem)
class AdviceItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "peer_assist", "created_at"]
    raw_id_fields = ["peer_assist", "given_by"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "due_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["peer_assist", "owner"]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cluster", "author", "created_at"]
    filter_horizontal = ["tags"]
    raw_id_fields = ["cluster", "peer_assist", "author"]
