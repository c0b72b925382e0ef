from django.contrib import admin

from surveys.models import AuditEntry, Campaign, Invitation, Nomination, PendingMember, Question, Response


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "status", "opens_at", "closes_at", "visibility"]
    list_filter = ["status", "network"]
    search_fields = ["title"]
    inlines = [QuestionInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # Answers are not shown here: ratings with the rater's name belong to the coordinators' pages.
    list_display = ["member", "campaign", "sent_at", "reminded_at", "revoked_at", "send_error"]
    list_filter = ["campaign__network"]
    raw_id_fields = ["member", "campaign"]
    readonly_fields = ["token_hash", "nonce"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "campaign", "tie_kind"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["invitation", "consent_at", "submitted_at", "updated_at"]
    raw_id_fields = ["invitation"]


@admin.register(Nomination)
class NominationAdmin(admin.ModelAdmin):
    list_display = ["response", "question", "member", "pending", "strength"]
    raw_id_fields = ["response", "member", "pending"]


@admin.register(PendingMember)
class PendingMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "status", "member"]
    list_filter = ["status"]
    raw_id_fields = ["campaign", "proposed_by", "member", "decided_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["campaign", "action", "at"]
