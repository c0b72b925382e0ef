from django.contrib import admin

from funds.models import (
    Award,
    DesignGroupMember,
    Fund,
    GranteeReport,
    Proposal,
    ProposalPartner,
    Review,
    ReviewAssignment,
    Reviewer,
    ReviewScore,
    Round,
    RubricCriterion,
)


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "created_at"]
    list_filter = ["network"]
    search_fields = ["name"]


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


class DesignGroupInline(admin.TabularInline):
    model = DesignGroupMember
    extra = 0
    raw_id_fields = ["member"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "fund", "status", "budget", "awarded_total", "opens_on", "closes_on"]
    list_filter = ["status", "review_mode"]
    search_fields = ["title", "fund__name"]
    # Status and money move only through the services (legal transitions, budget lock).
    readonly_fields = ["status", "awarded_total", "public_token"]
    inlines = [RubricCriterionInline, DesignGroupInline]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "round", "weight", "position"]


@admin.register(DesignGroupMember)
class DesignGroupMemberAdmin(admin.ModelAdmin):
    list_display = ["member", "round"]
    raw_id_fields = ["member"]


class ProposalPartnerInline(admin.TabularInline):
    model = ProposalPartner
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "status", "amount", "lead", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["title", "summary"]
    raw_id_fields = ["lead", "submitted_by"]
    readonly_fields = ["status"]
    inlines = [ProposalPartnerInline]


@admin.register(ProposalPartner)
class ProposalPartnerAdmin(admin.ModelAdmin):
    list_display = ["proposal", "organisation", "new_name", "is_newcomer"]
    raw_id_fields = ["proposal", "organisation"]


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["user", "member", "round", "is_guardian"]
    list_filter = ["is_guardian"]
    raw_id_fields = ["user", "member"]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "reviewer", "status", "by_hand", "assigned_at"]
    list_filter = ["status"]
    raw_id_fields = ["proposal", "reviewer"]


class ReviewScoreInline(admin.TabularInline):
    model = ReviewScore
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["assignment", "shareable", "submitted_at"]
    inlines = [ReviewScoreInline]


@admin.register(ReviewScore)
class ReviewScoreAdmin(admin.ModelAdmin):
    list_display = ["review", "criterion", "score"]


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["proposal", "amount", "spend_by", "awarded_by", "awarded_at"]
    # Awards are made through award_make so the round's budget holds.
    readonly_fields = ["proposal", "amount", "spend_by", "awarded_by", "awarded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(GranteeReport)
class GranteeReportAdmin(admin.ModelAdmin):
    list_display = ["award", "kind", "spent", "people_involved", "submitted_at"]
    list_filter = ["kind"]
