"""REST API inside one round, for its coordinators: /api/v1/networks/{slug}/rounds/{round_pk}/...

design-group/ (list, add, remove), reviewers/ (the pool: list, add, remove), assignments/ (list with
filters, one) and conflicts/ (every conflicted reviewer–proposal pair with its reasons). The round is
fetched through funds.permissions (another network's, or a draft for others than coordinators: 404);
everything here needs a coordinator of the network (403 otherwise). Writes call funds.services.
"""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from funds import selectors, services
from funds.models import DesignGroupMember, Proposal, ReviewAssignment, Reviewer, Round
from funds.permissions import can_manage, get_round
from funds.serializers import (
    ConflictSerializer,
    DesignGroupAddSerializer,
    DesignGroupMemberSerializer,
    PoolAddSerializer,
    PoolReviewerSerializer,
    RoundAssignmentSerializer,
)
from networks.api import NetworkScopedViewSet
from networks.permissions import can_view
from weaver.lib.api import service_errors

ROUND_PK = OpenApiParameter(
    "round_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The round's id."
)
COORDINATORS_ONLY = "Only the network's coordinators can see or change this."


class RoundCoordinatorsOnly(BasePermission):
    """The round must be one the caller may see (else 404), and the caller one of its coordinators."""

    message = COORDINATORS_ONLY

    def has_permission(self, request, view):
        view.round  # noqa: B018 - 404 for a round the caller may not see, before any 403
        return can_manage(request.user, view.network)


@extend_schema(parameters=[ROUND_PK])
class RoundScopedViewSet(NetworkScopedViewSet):
    permission_classes = [IsAuthenticated, RoundCoordinatorsOnly]
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    @cached_property
    def round(self) -> Round:
        return get_round(self.request.user, self.network, self.kwargs["round_pk"])


@extend_schema(tags=["funds"])
@extend_validation_errors(["invalid"], field_name="member", actions=["create"])
@extend_schema_view(
    list=extend_schema(
        summary="The round's design group: people who shape it and may not apply (coordinators)"
    ),
    create=extend_schema(
        summary="Put a person in the round's design group (coordinators)",
        description="Someone who applied to the round (lead or applicant) is refused with a 400.",
        request=DesignGroupAddSerializer,
        responses={201: DesignGroupMemberSerializer},
    ),
    destroy=extend_schema(
        summary="Take a person out of the round's design group (coordinators)",
        parameters=[
            OpenApiParameter(
                "member_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The person's id."
            )
        ],
        responses={204: None},
    ),
)
class DesignGroupViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, RoundScopedViewSet):
    serializer_class = DesignGroupMemberSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    lookup_url_kwarg = "member_id"

    def get_queryset(self):
        if self.is_schema_view:
            return DesignGroupMember.objects.none()
        return self.round.design_group.select_related("member").order_by("member__name", "id")

    def get_object(self):
        entry = self.get_queryset().filter(member_id=int(self.kwargs["member_id"])).first()
        if entry is None:
            raise NotFound("This person is not in the round's design group.")
        return entry

    def create(self, request, *args, **kwargs):
        params = DesignGroupAddSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        with service_errors():
            entry = services.design_group_add(
                user=request.user, round=self.round, member=params.validated_data["member"]
            )
        return Response(DesignGroupMemberSerializer(entry).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        with service_errors():
            services.design_group_remove(user=self.request.user, entry=instance)


@extend_schema(tags=["funds"])
@extend_validation_errors(["invalid"], field_name="member", actions=["create"])
@extend_validation_errors(["invalid"], field_name="user", actions=["create"])
@extend_validation_errors(["invalid"], field_name="grant_role", actions=["create"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["create"])
@extend_validation_errors(["invalid"], field_name="reviewer", actions=["destroy"])
@extend_schema_view(
    list=extend_schema(summary="The round's reviewer pool, with each reviewer's load (coordinators)"),
    retrieve=extend_schema(summary="One reviewer of the pool (coordinators)"),
    create=extend_schema(
        summary="Put a person in the round's reviewer pool (coordinators)",
        description="By `member` (a person of the network) or `user` (a login holding a role in it). "
        "A person without a role needs `grant_role: true`, which gives them the reviewer role in the "
        "network, and a login e-mailed to them if they have none, in the same step. Adding someone "
        "already in the pool updates `is_guardian`.",
        request=PoolAddSerializer,
        responses={201: PoolReviewerSerializer},
    ),
    destroy=extend_schema(
        summary="Take a reviewer out of the pool with their unwritten assignments (coordinators)",
        description="Refused (400) once they have written a review in the round. Their role stays.",
        responses={204: None},
    ),
)
class ReviewerPoolViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, RoundScopedViewSet
):
    serializer_class = PoolReviewerSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        if self.is_schema_view:
            return Reviewer.objects.none()
        return (
            selectors.reviewer_pool(self.round)
            .annotate(
                assigned=Count("assignments", filter=~Q(assignments__status=ReviewAssignment.Status.RECUSED)),
                reviewed=Count(
                    "assignments", filter=Q(assignments__status=ReviewAssignment.Status.SUBMITTED)
                ),
            )
            .order_by("id")
        )

    def create(self, request, *args, **kwargs):
        params = PoolAddSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        with service_errors():
            if "member" in data:
                reviewer = services.reviewer_pool_add(
                    user=request.user,
                    round=self.round,
                    member=data["member"],
                    is_guardian=data["is_guardian"],
                    grant_role=data["grant_role"],
                )
            else:
                login = get_user_model().objects.filter(pk=data["user"]).first()
                if login is None or not can_view(login, self.network):
                    raise serializers.ValidationError({"user": "No login with a role in this network."})
                reviewer = services.reviewer_add(
                    user=request.user, round=self.round, reviewer_user=login, is_guardian=data["is_guardian"]
                )
        reviewer = self.get_queryset().get(pk=reviewer.pk)
        return Response(PoolReviewerSerializer(reviewer).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        with service_errors():
            services.reviewer_remove(user=self.request.user, reviewer=instance)


class AssignmentFilter(django_filters.FilterSet):
    reviewer = django_filters.NumberFilter(method="by_id", label="Reviewer id (in the pool)")
    proposal = django_filters.NumberFilter(method="by_id", label="Proposal id")
    status = django_filters.ChoiceFilter(choices=ReviewAssignment.Status.choices)

    class Meta:
        model = ReviewAssignment
        fields = ["reviewer", "proposal", "status"]

    def by_id(self, queryset, name, value):
        value = int(value)
        if not -(2**63) <= value < 2**63:
            return queryset.none()  # foreign-key lookups do not guard the column's range
        return queryset.filter(**{f"{name}_id": value})


@extend_schema(tags=["funds"])
@extend_schema_view(
    list=extend_schema(
        summary="The round's review assignments, recused ones too, with filters (coordinators)",
        description="Use the ids with `rounds/{id}/assignments/adjust/` to add or remove assignments.",
    ),
    retrieve=extend_schema(summary="One review assignment of the round (coordinators)"),
)
class RoundAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RoundScopedViewSet):
    serializer_class = RoundAssignmentSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = AssignmentFilter

    def get_queryset(self):
        if self.is_schema_view:
            return ReviewAssignment.objects.none()
        return selectors.round_assignments(self.round)

    def _with_conflicts(self, assignments):
        conflicts = selectors.round_conflicts(
            self.round,
            proposals={a.proposal_id: a.proposal for a in assignments}.values(),
            reviewers={a.reviewer_id: a.reviewer for a in assignments}.values(),
        )
        context = self.get_serializer_context() | {"conflicts": conflicts}
        return RoundAssignmentSerializer(assignments, many=True, context=context).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._with_conflicts(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._with_conflicts([self.get_object()])[0])


CONFLICT_FILTERS = [
    OpenApiParameter("reviewer", OpenApiTypes.INT, description="Only this reviewer's conflicts."),
    OpenApiParameter("proposal", OpenApiTypes.INT, description="Only this proposal's conflicts."),
]


class ConflictFilterSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    proposal = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


@extend_schema(tags=["funds"])
@extend_validation_errors(["invalid", "min_value", "max_value"], field_name="reviewer", actions=["list"])
@extend_validation_errors(["invalid", "min_value", "max_value"], field_name="proposal", actions=["list"])
@extend_schema_view(
    list=extend_schema(
        summary="Conflicts of interest: who may not review which submitted proposal, and why (coordinators)",
        description="A reviewer is conflicted when they lead the proposal or applied for it, belong to one "
        "of its organisations (its partners and its lead's), or have a current direct tie, any kind, "
        "either way, to its lead, an applicant or one of its organisations. Each reason has a code.",
        parameters=CONFLICT_FILTERS,
    ),
)
class RoundConflictViewSet(mixins.ListModelMixin, RoundScopedViewSet):
    serializer_class = ConflictSerializer

    def get_queryset(self):
        return Reviewer.objects.none()  # conflicts are worked out, not stored; for the schema only

    def list(self, request, *args, **kwargs):
        params = ConflictFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        proposals = {
            p.pk: p
            for p in self.round.proposals.filter(status=Proposal.Status.SUBMITTED).order_by("title", "id")
        }
        pool = {rv.pk: rv for rv in selectors.reviewer_pool(self.round)}
        if "proposal" in wanted:
            proposals = {k: v for k, v in proposals.items() if k == wanted["proposal"]}
        if "reviewer" in wanted:
            pool = {k: v for k, v in pool.items() if k == wanted["reviewer"]}
        conflicts = selectors.round_conflicts(
            self.round, proposals=proposals.values(), reviewers=pool.values()
        )
        order = {pk: n for n, pk in enumerate(proposals)}
        rows = [
            {
                "reviewer": rv,
                "reviewer_name": str(pool[rv]),
                "proposal": p,
                "proposal_title": proposals[p].title,
                "reasons": reasons,
            }
            for (rv, p), reasons in sorted(
                conflicts.items(), key=lambda item: (order[item[0][1]], item[0][0])
            )
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ConflictSerializer(page, many=True).data)
