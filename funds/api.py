"""REST API for funds under /api/v1/networks/{network_slug}/ (routes: funds/api_urls.py).

The network is resolved once through networks.permissions (no role: 404). Coordinators manage funds and
rounds; applicants see and change only their own proposals; reviewers see only their own assignments.
Domain operations are explicit actions calling funds.services; their ValidationErrors answer 400.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from funds import selectors, services
from funds.models import Award, Fund, Proposal, ReviewAssignment, Round
from funds.permissions import (
    assignments_for_user,
    can_manage,
    get_round,
    is_applicant,
    proposals_for_user,
    rounds_for_user,
)
from funds.serializers import (
    AmountSerializer,
    AssignmentAdjustResultSerializer,
    AssignmentAdjustSerializer,
    AssignmentPreviewSerializer,
    AssignmentSerializer,
    AwardSerializer,
    CoverageSerializer,
    FundSerializer,
    GranteeReportSerializer,
    PortfoliosSerializer,
    PreviewParamsSerializer,
    ProposalRankSerializer,
    ProposalReviewsSerializer,
    ProposalSerializer,
    ProposalWriteSerializer,
    ReasonSerializer,
    RecuseResultSerializer,
    ReviewSubmitSerializer,
    RoundSerializer,
    RoundUpdateSerializer,
    TransitionSerializer,
)
from networks.api import NetworkScopedViewSet
from weaver.lib.api import service_errors

WRITES = ["create", "update", "partial_update"]


@extend_schema(tags=["funds"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["create"])
@extend_schema_view(
    list=extend_schema(summary="List the network's funds"),
    retrieve=extend_schema(summary="A fund"),
    create=extend_schema(summary="Start a fund (coordinators)"),
)
class FundViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, NetworkScopedViewSet
):
    serializer_class = FundSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return Fund.objects.none()
        return Fund.objects.filter(network=self.network)

    def perform_create(self, serializer):
        with service_errors(serializer):
            serializer.instance = services.fund_create(
                user=self.request.user, network=self.network, **serializer.validated_data
            )


WITHHELD_NOTE = "You review this proposal: its scores show once your review is in."


@extend_schema(tags=["funds"])
@extend_validation_errors(
    ["invalid"], field_name="non_field_errors", actions=[*WRITES, "transition", "adjust_assignments"]
)
@extend_validation_errors(["invalid"], field_name="override_reason", actions=WRITES)
@extend_validation_errors(
    ["invalid", "min_value", "max_value"], field_name="reviews_per_proposal", actions=["assignment_preview"]
)
@extend_validation_errors(
    ["invalid", "min_value", "max_value"], field_name="max_per_reviewer", actions=["assignment_preview"]
)
@extend_schema_view(
    list=extend_schema(summary="List rounds (others than coordinators see rounds past the draft stage)"),
    retrieve=extend_schema(summary="A round with its rubric"),
    create=extend_schema(summary="Set up a round in draft, with its rubric (coordinators)"),
    partial_update=extend_schema(
        summary="Change a round's settings (coordinators)",
        request=RoundUpdateSerializer,
        responses=RoundSerializer,
    ),
    update=extend_schema(
        summary="Change a round's settings (coordinators)",
        request=RoundUpdateSerializer,
        responses=RoundSerializer,
    ),
)
class RoundViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    NetworkScopedViewSet,
):
    def get_serializer_class(self):
        return RoundUpdateSerializer if self.action in ("update", "partial_update") else RoundSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return Round.objects.none()
        return rounds_for_user(self.request.user, self.network).prefetch_related("criteria")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        fund = data.pop("fund")
        criteria = data.pop("criteria", [])
        reason = data.pop("override_reason", "")
        with service_errors(serializer):
            serializer.instance = services.round_create(
                user=self.request.user, fund=fund, criteria=criteria, override_reason=reason, **data
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        criteria = data.pop("criteria", None)
        reason = data.pop("override_reason", "")
        with service_errors(serializer):
            serializer.instance = services.round_update(
                user=self.request.user,
                round=serializer.instance,
                criteria=criteria,
                override_reason=reason,
                **data,
            )

    @extend_schema(
        summary="Move a round to its next status (coordinators)",
        description="draft → open → review → decided → closed; any other move is a 400.",
        request=TransitionSerializer,
        responses=RoundSerializer,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        rnd = self.get_object()
        params = TransitionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            rnd = services.round_transition(
                user=request.user, round=rnd, status=params.validated_data["status"]
            )
        return Response(RoundSerializer(rnd, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Preview automatic assignment, with suggested reviews per proposal (coordinators)",
        description="Suggests r (reviews per proposal) and k (most proposals per reviewer) from the pool "
        "and the submitted proposals so that every volunteer reads 2–3: r = floor(volunteers × 3 / "
        "proposals), at least 2 and at most the pool; k = max(3, ceil(proposals × r / volunteers)). Then "
        "runs automatic assignment without saving, with the round's r and k or those given, and reports "
        "the fewest and most reviews per proposal and reads per reviewer; it takes as long as assigning "
        "(benchmarks/conflicts_bench.py). Change the round's r and k (PATCH) to adopt them.",
        parameters=[PreviewParamsSerializer],
        responses=AssignmentPreviewSerializer,
    )
    @action(detail=True, methods=["get"], url_path="assignment-preview", filter_backends=[])
    def assignment_preview(self, request, *args, **kwargs):
        rnd = self._managed_round()
        params = PreviewParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        preview = selectors.round_assignment_preview(rnd, **params.validated_data)
        return Response(AssignmentPreviewSerializer(preview.as_dict()).data)

    @extend_schema(
        summary="Assign reviewers automatically (coordinators)",
        description="Keeps existing assignments, excludes conflicts of interest, and reports the coverage.",
        request=None,
        responses=CoverageSerializer,
    )
    @action(detail=True, methods=["post"], url_path="assign-reviewers")
    def assign_reviewers(self, request, *args, **kwargs):
        rnd = self.get_object()
        with service_errors():
            result = services.reviewers_assign(user=request.user, round=rnd)
        return Response({"created": len(result.created), **result.coverage.as_dict()})

    @extend_schema(
        summary="Add or remove reviewer assignments by hand (coordinators)",
        description=(
            "Only while the round is open or in review. All or nothing: a conflict of interest, an unknown "
            "reviewer or proposal, or an assignment already reviewed refuses the whole request with a 400 "
            "that names the reason. New reviewers are e-mailed."
        ),
        request=AssignmentAdjustSerializer,
        responses=AssignmentAdjustResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="assignments/adjust")
    def adjust_assignments(self, request, *args, **kwargs):
        rnd = self._managed_round()
        params = AssignmentAdjustSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        reviewers = {r.pk: r for r in rnd.reviewers.select_related("member")}
        proposals = {p.pk: p for p in rnd.proposals.all()}
        add, unknown = [], []
        for pair in params.validated_data["add"]:
            reviewer, proposal = reviewers.get(pair["reviewer"]), proposals.get(pair["proposal"])
            if reviewer is None or proposal is None:
                unknown.append(pair)
            else:
                add.append((reviewer, proposal))
        wanted = set(params.validated_data["remove"])
        remove = list(
            ReviewAssignment.objects.filter(proposal__round=rnd, pk__in=wanted).select_related(
                "reviewer", "proposal"
            )
        )
        if unknown:
            raise serializers.ValidationError({"add": "Use reviewers and proposals of this round."})
        if len(remove) != len(wanted):
            raise serializers.ValidationError({"remove": "Use assignments of this round."})
        with service_errors(params):
            created = services.assignment_adjust(user=request.user, round=rnd, add=add, remove=remove)
        return Response(
            AssignmentAdjustResultSerializer(
                {"created": created, "removed": sorted(a.pk for a in remove)}
            ).data
        )

    @extend_schema(
        summary="The ranking: mean, reviews, spread, adjusted score (coordinators)",
        description="Every proposal of the round in rank order, in one list (a ranking is read whole).",
        responses=ProposalRankSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def ranking(self, request, *args, **kwargs):
        shown = selectors.round_ranking_for(user=request.user, rnd=self._managed_round())
        scored = [
            {
                "proposal": p.pk,
                "title": p.title,
                "amount": p.amount,
                "rank": s.rank,
                "reviews": s.reviews,
                "mean": s.mean,
                "spread": s.spread,
                "adjusted": s.adjusted,
                "low": s.low,
                "high": s.high,
                "scores_withheld": False,
                "note": "",
            }
            for s, p in shown.rows
        ]
        withheld = [
            {
                "proposal": p.pk,
                "title": p.title,
                "amount": p.amount,
                **dict.fromkeys(["rank", "reviews", "mean", "spread", "adjusted", "low", "high"]),
                "scores_withheld": True,
                "note": WITHHELD_NOTE,
            }
            for p in shown.withheld
        ]
        return Response(ProposalRankSerializer(scored + withheld, many=True).data)

    @extend_schema(
        summary="Portfolio suggestions within the remaining budget (coordinators)",
        responses=PortfoliosSerializer,
    )
    @action(detail=True, methods=["get"])
    def portfolio(self, request, *args, **kwargs):
        rnd = self._managed_round()
        choice = selectors.round_portfolios(rnd, user=request.user)
        return Response(
            PortfoliosSerializer(
                {
                    "remaining_budget": rnd.remaining_budget,
                    "rank_order": choice.rank_order if choice else None,
                    "knapsack": choice.knapsack if choice else None,
                    "scores_withheld": choice is None,
                }
            ).data
        )

    def _managed_round(self) -> Round:
        rnd = self.get_object()
        if not can_manage(self.request.user, self.network):
            self.permission_denied(self.request, message="Only the network's coordinators can see this.")
        return rnd


PROPOSAL_RULE_FIELDS = ["round", "title", "summary", "amount", "lead", "partners", "is_new_project"]


def _eligibility_errors_documented(viewset):
    """Submitting names each failed eligibility rule on the proposal field it is about."""
    for field in PROPOSAL_RULE_FIELDS:
        viewset = extend_validation_errors(["invalid"], field_name=field, actions=["submit"])(viewset)
    return viewset


@extend_schema(tags=["funds"])
@_eligibility_errors_documented
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["create", "partial_update"])
@extend_schema_view(
    list=extend_schema(
        summary="Proposals you may see (coordinators: all; others: your own and those you review)"
    ),
    retrieve=extend_schema(summary="A proposal"),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, NetworkScopedViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = ProposalSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return Proposal.objects.none()
        return proposals_for_user(self.request.user, self.network).prefetch_related("partners__organisation")

    def _save(self, request, proposal=None):
        params = ProposalWriteSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        rnd = proposal.round if proposal else get_round(request.user, self.network, data.pop("round"))
        data.pop("round", None)
        partners = [*data.pop("partners", []), *data.pop("new_partners", [])]
        with service_errors(params):
            return services.proposal_save_draft(
                user=request.user, round=rnd, proposal=proposal, partners=partners, **data
            )

    @extend_schema(
        summary="Start a draft proposal", request=ProposalWriteSerializer, responses={201: ProposalSerializer}
    )
    def create(self, request, *args, **kwargs):
        proposal = self._save(request)
        return Response(self.get_serializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change your draft", request=ProposalWriteSerializer, responses=ProposalSerializer)
    def partial_update(self, request, *args, **kwargs):
        proposal = self._save(request, self.get_object())
        return Response(self.get_serializer(proposal).data)

    @extend_schema(
        summary="Submit your draft",
        description="Eligibility is checked now; every failed rule is named in the 400.",
        request=None,
        responses=ProposalSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        with service_errors(ProposalWriteSerializer()):
            proposal = services.proposal_submit(user=request.user, proposal=self.get_object())
        return Response(self.get_serializer(proposal).data)

    @extend_schema(
        summary="Award a grant (coordinators)", request=AmountSerializer, responses=AwardSerializer
    )
    @action(detail=True, methods=["post"])
    def award(self, request, *args, **kwargs):
        proposal = self.get_object()
        params = AmountSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            award = services.award_make(
                user=request.user, proposal=proposal, amount=params.validated_data["amount"]
            )
        return Response(AwardSerializer(award).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Decline with a reason (coordinators)", request=ReasonSerializer, responses=ProposalSerializer
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        proposal = self.get_object()
        params = ReasonSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            proposal = services.proposal_decline(
                user=request.user, proposal=proposal, reason=params.validated_data["reason"]
            )
        return Response(self.get_serializer(proposal).data)

    @extend_schema(summary="The reviews of this proposal you may read", responses=ProposalReviewsSerializer)
    @action(detail=True, methods=["get"])
    def reviews(self, request, *args, **kwargs):
        proposal = self.get_object()
        data = {
            "reviews": selectors.reviews_visible_to(user=request.user, proposal=proposal),
            "shareable_comments": selectors.shareable_comments_for(user=request.user, proposal=proposal),
        }
        return Response(ProposalReviewsSerializer(data).data)


@extend_schema(tags=["funds"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["submit", "recuse"])
@extend_schema_view(
    list=extend_schema(summary="Your review assignments"),
    retrieve=extend_schema(summary="One of your review assignments"),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, NetworkScopedViewSet):
    """Review assignments: everyone, coordinators included, sees only their own here."""

    permission_classes = [IsAuthenticated]
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return ReviewAssignment.objects.none()
        return assignments_for_user(self.request.user, self.network).prefetch_related("proposal__partners")

    @extend_schema(summary="Send your review", request=ReviewSubmitSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        assignment = self.get_object()
        params = ReviewSubmitSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            services.review_submit(user=request.user, assignment=assignment, **params.validated_data)
        assignment.refresh_from_db()
        return Response(self.get_serializer(assignment).data)

    @extend_schema(
        summary="Step back from a review, with a reason",
        description="The proposal goes to the best eligible reviewer with room, if there is one.",
        request=ReasonSerializer,
        responses=RecuseResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def recuse(self, request, *args, **kwargs):
        assignment = self.get_object()
        params = ReasonSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            recused, replacement = services.review_recuse(
                user=request.user, assignment=assignment, reason=params.validated_data["reason"]
            )
        return Response({"recused": recused.pk, "reassigned_to": replacement.pk if replacement else None})


@extend_schema(tags=["funds"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["report"])
@extend_schema_view(
    list=extend_schema(summary="Awards (coordinators: all; grantees: theirs, once the round is decided)"),
    retrieve=extend_schema(summary="An award with its reports"),
)
class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, NetworkScopedViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = AwardSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return Award.objects.none()
        awards = Award.objects.filter(proposal__round__fund__network=self.network).prefetch_related("reports")
        if can_manage(self.request.user, self.network):
            return awards
        mine = [
            p.pk
            for p in proposals_for_user(self.request.user, self.network)
            if is_applicant(self.request.user, p)
        ]
        return awards.filter(
            proposal__in=mine, proposal__round__status__in=[Round.Status.DECIDED, Round.Status.CLOSED]
        )

    @extend_schema(
        summary="File the midpoint or final report (grantees and coordinators)",
        request=GranteeReportSerializer,
        responses={201: GranteeReportSerializer},
    )
    @action(detail=True, methods=["post"])
    def report(self, request, *args, **kwargs):
        award = self.get_object()
        params = GranteeReportSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            report = services.grantee_report_submit(user=request.user, award=award, **params.validated_data)
        return Response(GranteeReportSerializer(report).data, status=status.HTTP_201_CREATED)
