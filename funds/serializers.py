"""API shapes for funds. Writes go through funds.services; these only parse and present."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funds.models import (
    SUMMARY_MAX_CHARS,
    Award,
    DesignGroupMember,
    Fund,
    GranteeReport,
    Proposal,
    ProposalPartner,
    Review,
    ReviewAssignment,
    Reviewer,
    Round,
    RubricCriterion,
)
from funds.permissions import can_manage
from funds.selectors import CONFLICT_CODES, proposal_status_for
from funds.services import ROUND_FIELDS
from networks.serializers import NetworkMemberField, NetworkOrganisationField
from weaver.lib.api import StrictModelSerializer, StrictSerializer
from weaver.lib.limits import capped


class FundSerializer(StrictModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "name", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


class CriterionSerializer(StrictModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["id", "name", "description", "weight"]
        read_only_fields = ["id"]


class RoundSerializer(StrictModelSerializer):
    fund = serializers.PrimaryKeyRelatedField(queryset=Fund.objects.none())
    criteria = CriterionSerializer(many=True, required=False, help_text="The rubric; each scored 1–5.")
    awarded_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Sum of the awards; null for all but coordinators until the round is decided.",
    )
    remaining_budget = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Budget not yet awarded; null for all but coordinators until the round is decided.",
    )

    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        validators=capped("Reason"),
        help_text="Why settings outside the field's usual figures (see field_warnings) are needed: required "
        "when a setting sent goes outside them, else the 400 names each one. Recorded on the round.",
    )
    field_warnings = serializers.SerializerMethodField(
        help_text="Settings outside the field's usual figures (rounds of 15,000–50,000, grants of "
        "1,500–8,000, spent within 6 months, 3 or more organisations), field → what is unusual. Not errors."
    )

    class Meta:
        model = Round
        fields = [
            "id",
            "fund",
            *ROUND_FIELDS,
            "status",
            "awarded_total",
            "remaining_budget",
            "criteria",
            "field_warnings",
            "override_reason",
            "overridden_at",
        ]
        read_only_fields = ["id", "status", "awarded_total", "remaining_budget", "overridden_at"]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_field_warnings(self, instance) -> dict:
        return instance.field_warnings()

    def get_fields(self):
        fields = super().get_fields()
        network = self.context.get("network")
        if network is not None and not fields["fund"].read_only:
            fields["fund"].queryset = Fund.objects.filter(network=network)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        network = self.context.get("network") or instance.fund.network
        # What has been awarded tells applicants how their proposals fared, so it waits for the decision.
        if not (instance.results_public or (request is not None and can_manage(request.user, network))):
            data["awarded_total"] = data["remaining_budget"] = None
        return data


class RoundUpdateSerializer(RoundSerializer):
    fund = serializers.PrimaryKeyRelatedField(read_only=True)
    criteria = CriterionSerializer(
        many=True,
        required=False,
        help_text="Replaces the rubric (at least one criterion); only while the round is a draft or open.",
    )

    class Meta(RoundSerializer.Meta):
        read_only_fields = [*RoundSerializer.Meta.read_only_fields, "fund"]


class TransitionSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Round.Status.choices)


class ReviewerAddSerializer(StrictSerializer):
    user = serializers.IntegerField(help_text="The id of a user who holds a role in this network.")
    is_guardian = serializers.BooleanField(default=False)


class AssignmentPairSerializer(StrictSerializer):
    reviewer = serializers.IntegerField(help_text="The id of a reviewer in this round's pool.")
    proposal = serializers.IntegerField(help_text="The id of a submitted proposal of this round.")


class AssignmentAdjustSerializer(StrictSerializer):
    add = AssignmentPairSerializer(many=True, required=False, default=list)
    remove = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of this round's assignments to take away (not ones already reviewed).",
    )

    def validate(self, data):
        if not data["add"] and not data["remove"]:
            raise serializers.ValidationError("Say which assignments to add or remove.")
        return data


class AssignmentPairResultSerializer(StrictModelSerializer):
    class Meta:
        model = ReviewAssignment
        fields = ["id", "reviewer", "proposal", "status", "by_hand"]


class AssignmentAdjustResultSerializer(StrictSerializer):
    created = AssignmentPairResultSerializer(many=True, help_text="Assignments made now.")
    removed = serializers.ListField(child=serializers.IntegerField(), help_text="Assignments taken away.")


class CoverageSerializer(StrictSerializer):
    created = serializers.IntegerField(help_text="Assignments made now.")
    reviews_per_proposal = serializers.DictField(child=serializers.IntegerField())
    load_per_reviewer = serializers.DictField(child=serializers.IntegerField())
    conflicts_excluded = serializers.IntegerField(help_text="Reviewer–proposal pairs ruled out as conflicts.")
    target_reviews = serializers.IntegerField()
    short = serializers.DictField(child=serializers.IntegerField(), help_text="Proposals below target.")
    min_load = serializers.IntegerField()
    max_load = serializers.IntegerField()


class PartnerSerializer(StrictModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = ProposalPartner
        fields = ["id", "organisation", "new_name", "name", "is_newcomer"]


class ProposalSerializer(StrictModelSerializer):
    partners = PartnerSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField()
    decline_reason = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "round",
            "title",
            "summary",
            "amount",
            "lead",
            "is_new_project",
            "partners",
            "status",
            "decline_reason",
            "submitted_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Proposal.Status.choices))
    def get_status(self, proposal) -> str:
        return proposal_status_for(user=self.context["request"].user, proposal=proposal)

    def get_decline_reason(self, proposal) -> str:
        status = proposal_status_for(user=self.context["request"].user, proposal=proposal)
        return proposal.decline_reason if status == Proposal.Status.DECLINED else ""


@extend_schema_field(OpenApiTypes.INT)
class LeadField(NetworkMemberField):
    """A person of this network, by id."""


@extend_schema_field(OpenApiTypes.INT)
class PartnerField(NetworkOrganisationField):
    """An organisation of this network, by id."""


class ProposalWriteSerializer(StrictSerializer):
    round = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(
        max_length=SUMMARY_MAX_CHARS, required=False, allow_blank=True, default=""
    )
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, help_text="A whole amount."
    )
    lead = LeadField(required=False, allow_null=True)
    is_new_project = serializers.BooleanField(default=False)
    partners = PartnerField(many=True, required=False, help_text="Ids of existing organisations.")
    new_partners = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Names of organisations new to the network (counted as newcomers).",
    )


class AmountSerializer(StrictSerializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(validators=capped("Reason"))


class ReviewSerializer(StrictModelSerializer):
    reviewer = serializers.CharField(source="assignment.reviewer", read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = ["id", "reviewer", "scores", "comment", "shareable", "submitted_at"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_scores(self, review) -> dict:
        return {str(s.criterion_id): s.score for s in review.scores.all()}


class ProposalReviewsSerializer(StrictSerializer):
    reviews = ReviewSerializer(many=True, help_text="Reviews you may read (reviewers: once yours is in).")
    shareable_comments = serializers.ListField(
        child=serializers.CharField(),
        help_text="Applicants: comments shared with you once the round is decided.",
    )


class AssignmentSerializer(StrictModelSerializer):
    proposal = ProposalSerializer(read_only=True)
    criteria = serializers.SerializerMethodField()
    my_review = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAssignment
        fields = ["id", "proposal", "status", "recuse_reason", "criteria", "my_review"]

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, assignment):
        return CriterionSerializer(assignment.proposal.round.criteria.all(), many=True).data

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_my_review(self, assignment):
        review = Review.objects.filter(assignment=assignment).prefetch_related("scores").first()
        return ReviewSerializer(review).data if review else None


class ReviewSubmitSerializer(StrictSerializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        help_text="Criterion id → score from 1 to 5.",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", validators=capped("Comment")
    )
    shareable = serializers.BooleanField(default=False)


class RecuseResultSerializer(StrictSerializer):
    recused = serializers.IntegerField()
    reassigned_to = serializers.IntegerField(allow_null=True, help_text="The new assignment's id, if any.")


class GranteeReportSerializer(StrictModelSerializer):
    class Meta:
        model = GranteeReport
        fields = ["id", "kind", "spent", "done", "learned", "people_involved", "submitted_at"]
        read_only_fields = ["id", "submitted_at"]


class AwardSerializer(StrictModelSerializer):
    reports = GranteeReportSerializer(many=True, read_only=True)

    class Meta:
        model = Award
        fields = ["id", "proposal", "amount", "spend_by", "awarded_at", "reports"]


class ProposalRankSerializer(StrictSerializer):
    """A row of a round's ranking (read only)."""

    proposal = serializers.IntegerField()
    title = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    reviews = serializers.IntegerField(allow_null=True, help_text="Reviews in; null when withheld.")
    mean = serializers.FloatField(allow_null=True)
    spread = serializers.FloatField(allow_null=True)
    adjusted = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    scores_withheld = serializers.BooleanField(
        help_text="True when you review this proposal and your review is not in yet: its rank and "
        "scores are null until it is, and it comes after the others, which are ranked among themselves."
    )
    note = serializers.CharField(help_text="Why the scores are withheld, else empty.")


class PortfolioSerializer(StrictSerializer):
    """A suggested set of proposals to fund within the remaining budget (read only)."""

    funded = serializers.ListField(child=serializers.IntegerField())
    left_out = serializers.ListField(child=serializers.IntegerField())
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_score = serializers.FloatField()
    remaining = serializers.DecimalField(max_digits=12, decimal_places=2)


class PortfoliosSerializer(StrictSerializer):
    remaining_budget = serializers.DecimalField(max_digits=12, decimal_places=2)
    rank_order = PortfolioSerializer(allow_null=True)
    knapsack = PortfolioSerializer(allow_null=True)
    scores_withheld = serializers.BooleanField(
        help_text="True when a proposal the suggestions would weigh is one you review and your "
        "review is not in yet: rank_order and knapsack are null until it is, as they would "
        "give its score away."
    )


# Round-scoped resources for coordinators: design group, reviewer pool, assignments, conflicts, preview.


@extend_schema_field(OpenApiTypes.INT)
class NetworkPersonField(NetworkMemberField):
    """A person of this network, by id."""

    def get_queryset(self):
        return super().get_queryset().filter(kind="person")


class DesignGroupMemberSerializer(StrictModelSerializer):
    name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = DesignGroupMember
        fields = ["member", "name"]


class DesignGroupAddSerializer(StrictSerializer):
    member = NetworkPersonField(help_text="The id of a person of this network (not one who applied).")


class PoolReviewerSerializer(StrictModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    community = serializers.CharField(read_only=True)
    assigned = serializers.IntegerField(read_only=True, help_text="Assignments not recused.")
    reviewed = serializers.IntegerField(read_only=True, help_text="Reviews written.")

    class Meta:
        model = Reviewer
        fields = ["id", "user", "member", "name", "community", "is_guardian", "assigned", "reviewed"]


class PoolAddSerializer(StrictSerializer):
    member = NetworkPersonField(
        required=False, help_text="The id of a person of this network to put in the pool."
    )
    user = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Instead of member: the id of a login that holds a role in this network.",
    )
    is_guardian = serializers.BooleanField(default=False)
    grant_role = serializers.BooleanField(
        default=False,
        help_text="With member: also give the person the reviewer role in the network (and a login, "
        "e-mailed, if they have none), through the same rules as the access resource.",
    )

    def validate(self, data):
        if ("member" in data) == ("user" in data):
            raise serializers.ValidationError("Give either member or user.")
        if data.get("grant_role") and "user" in data:
            raise serializers.ValidationError({"grant_role": "Give the person as member to grant the role."})
        return data


class ConflictReasonSerializer(StrictSerializer):
    code = serializers.ChoiceField(choices=list(CONFLICT_CODES.items()))
    detail = serializers.CharField()


class RoundAssignmentSerializer(StrictModelSerializer):
    reviewer_name = serializers.CharField(source="reviewer.__str__", read_only=True)
    proposal_title = serializers.CharField(source="proposal.title", read_only=True)
    conflicts = serializers.SerializerMethodField(
        help_text="Conflicts of interest found now (usually none: an assignment made before a tie was "
        "recorded can become one)."
    )

    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "reviewer",
            "reviewer_name",
            "proposal",
            "proposal_title",
            "status",
            "by_hand",
            "recuse_reason",
            "assigned_at",
            "conflicts",
        ]

    @extend_schema_field(ConflictReasonSerializer(many=True))
    def get_conflicts(self, assignment):
        reasons = self.context.get("conflicts", {}).get((assignment.reviewer_id, assignment.proposal_id), ())
        return ConflictReasonSerializer(reasons, many=True).data


class ConflictSerializer(StrictSerializer):
    reviewer = serializers.IntegerField()
    reviewer_name = serializers.CharField()
    proposal = serializers.IntegerField()
    proposal_title = serializers.CharField()
    reasons = ConflictReasonSerializer(many=True)


class PreviewParamsSerializer(serializers.Serializer):
    reviews_per_proposal = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="Try this r instead of the round's."
    )
    max_per_reviewer = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="Try this k instead of the round's."
    )


class AssignmentPreviewSerializer(StrictSerializer):
    volunteers = serializers.IntegerField(help_text="Reviewers in the pool (guardians in guardian mode).")
    proposals = serializers.IntegerField(help_text="Submitted proposals.")
    suggested_reviews_per_proposal = serializers.IntegerField(
        help_text="r = floor(volunteers × 3 / proposals), at least 2 and at most the pool."
    )
    suggested_max_per_reviewer = serializers.IntegerField(
        help_text="k = max(3, ceil(proposals × r / volunteers))."
    )
    reviews_per_proposal = serializers.IntegerField(help_text="The r previewed.")
    max_per_reviewer = serializers.IntegerField(help_text="The k previewed.")
    new_assignments = serializers.IntegerField(help_text="Assignments that assigning now would add.")
    reviews_per_proposal_min = serializers.IntegerField()
    reviews_per_proposal_max = serializers.IntegerField()
    reads_per_reviewer_min = serializers.IntegerField()
    reads_per_reviewer_max = serializers.IntegerField()
    reviewers_without_reading = serializers.IntegerField(help_text="Volunteers who would read nothing.")
    proposals_short = serializers.IntegerField(help_text="Proposals that would get fewer than r reviews.")
    conflicts_excluded = serializers.IntegerField()
