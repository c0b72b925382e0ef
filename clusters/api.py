"""REST API for learning clusters under /api/v1/networks/{network_slug}/ (routes: clusters/api_urls.py).

The network is resolved through networks.permissions (no role: 404); clusters through
clusters.permissions: coordinators see all, facilitators and people taking part see theirs, and only
coordinators and the cluster's facilitators change anything (403). Nothing is deleted over the API.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from clusters import services
from clusters.candidates import candidates_for_cluster, candidates_propose
from clusters.handbook import handbook_filename, handbook_html, handbook_markdown
from clusters.models import ClusterSession, FollowUp, LearningCluster, Lesson, PeerAssist
from clusters.permissions import can_create_cluster, can_manage_cluster, clusters_for_user
from clusters.selectors import cluster_network_effect, cluster_stats
from clusters.serializers import (
    AdviceSerializer,
    AttendanceOutcomeSerializer,
    AttendanceRecordSerializer,
    CandidateSerializer,
    ClusterPersonSerializer,
    ClusterSerializer,
    ClusterStatsSerializer,
    FollowUpSerializer,
    FollowUpStatusSerializer,
    FromRoundSerializer,
    InvitationSerializer,
    LessonSerializer,
    ParticipantAddSerializer,
    PeerAssistSerializer,
    PeerAssistUpdateSerializer,
    PersonAddSerializer,
    QuestionSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
)
from funds.permissions import get_round
from networks.api import NetworkScopedViewSet
from networks.api_metrics import JSONErrorsWhateverTheAccept
from networks.models import Tag
from networks.permissions import can_edit
from weaver.lib.api import service_errors

MANAGERS_ONLY = "Only the network's coordinators and the cluster's facilitators can change this."
WRITES = ["create", "update", "partial_update"]
CLUSTER_FILTER = OpenApiParameter("cluster", OpenApiTypes.INT, description="Only this cluster's items.")


def _cluster_of(obj) -> LearningCluster:
    if isinstance(obj, LearningCluster):
        return obj
    if isinstance(obj, ClusterSession | Lesson):
        return obj.cluster
    if isinstance(obj, PeerAssist):
        return obj.session.cluster
    return obj.peer_assist.session.cluster


class ClusterManagersChange(BasePermission):
    """Reading needs the cluster to be visible (the queryset sees to it); changing it needs a manager."""

    message = MANAGERS_ONLY

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_manage_cluster(request.user, _cluster_of(obj))


HANDBOOK_FORMATS = {"markdown": ("text/markdown", "md"), "html": ("text/html", "html")}


def _handbook_format(request) -> str:
    """`as` if given (an unknown one is a 400), else what the Accept header asks for first, else markdown."""
    requested = request.query_params.get("as") or None  # `?as=` is not given, as for every choice
    if requested is not None:
        if requested not in HANDBOOK_FORMATS:
            raise ValidationError({"as": [f"Choose markdown or html, not {requested[:40]!r}."]})
        return requested
    for media_range in request.META.get("HTTP_ACCEPT", "").split(","):
        media_type = media_range.split(";")[0].strip().lower()
        for fmt, (content_type, _) in HANDBOOK_FORMATS.items():
            if media_type == content_type:
                return fmt
    return "markdown"


def _require_manager(user, cluster: LearningCluster) -> None:
    if not can_manage_cluster(user, cluster):
        raise PermissionDenied(MANAGERS_ONLY)


class ClusterScopedViewSet(NetworkScopedViewSet):
    permission_classes = [IsAuthenticated, ClusterManagersChange]
    filter_backends = [OrderingFilter]

    def visible_clusters(self):
        return clusters_for_user(self.request.user, self.network)

    def filter_cluster(self, queryset, field: str):
        raw = self.request.query_params.get("cluster", "")
        if raw.isdigit():
            queryset = queryset.filter(**{field: int(raw)})
        return queryset


@extend_schema(tags=["clusters"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=[*WRITES, "participants"])
@extend_validation_errors(["invalid"], field_name="as", actions=["handbook"], methods=["get"])
@extend_validation_errors(["required"], field_name="tag", actions=["propose"], methods=["get"])
@extend_schema_view(
    list=extend_schema(summary="List the clusters you may see (all of them for coordinators)"),
    retrieve=extend_schema(summary="A learning cluster, with its rule warnings"),
    create=extend_schema(summary="Start a learning cluster (coordinators and facilitators)"),
    update=extend_schema(summary="Change a cluster (its coordinators and facilitators)"),
    partial_update=extend_schema(summary="Change some of a cluster's fields"),
)
class ClusterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    serializer_class = ClusterSerializer
    ordering_fields = ["name", "status", "starts_on", "created_at", "id"]
    ordering = ["-created_at", "id"]

    def get_queryset(self):
        if self.is_schema_view:
            return LearningCluster.objects.none()
        return self.visible_clusters().prefetch_related(
            "strategy_tags", "facilitators", "participants__organisation", "people__person"
        )

    def perform_create(self, serializer):
        if not can_create_cluster(self.request.user, self.network):
            raise PermissionDenied("Only coordinators and facilitators can start a cluster.")
        data = dict(serializer.validated_data)
        with service_errors(serializer):
            serializer.instance, _ = services.cluster_create(
                user=self.request.user, network=self.network, **data
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("organisations", None)
        with service_errors(serializer):
            serializer.instance, _ = services.cluster_update(
                user=self.request.user, cluster=serializer.instance, **data
            )

    def _respond(self, obj, serializer_class=ClusterSerializer, code=status.HTTP_200_OK):
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Propose candidate organisations for a new cluster on these strategies",
        parameters=[
            OpenApiParameter(
                "tag", OpenApiTypes.STR, many=True, required=True, description="Strategy tag name(s)."
            )
        ],
        responses=CandidateSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def propose(self, request, *args, **kwargs):
        if not can_create_cluster(request.user, self.network):
            raise PermissionDenied("Only coordinators and facilitators can start a cluster.")
        names = [
            n.strip().lower() for n in request.query_params.getlist("tag") if n.strip() and "\x00" not in n
        ]
        if not names:
            raise ValidationError({"tag": ["Name at least one strategy tag: ?tag=…"]}, code="required")
        tags = [t for t in Tag.objects.filter(network=self.network) if t.name.lower() in names]
        return Response(
            CandidateSerializer(candidates_propose(network=self.network, tags=tags), many=True).data
        )

    @extend_schema(summary="Who else should be in this cluster", responses=CandidateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def candidates(self, request, *args, **kwargs):
        cluster = self.get_object()
        return Response(CandidateSerializer(candidates_for_cluster(cluster=cluster), many=True).data)

    @extend_schema(
        summary="Add an organisation or a local project to the cluster",
        request=ParticipantAddSerializer,
        responses={201: ClusterSerializer},
    )
    @action(detail=True, methods=["post"])
    def participants(self, request, *args, **kwargs):
        cluster = self.get_object()
        params = ParticipantAddSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        with service_errors(params):
            services.participant_add(user=request.user, cluster=cluster, **params.validated_data)
        # Read again: the participants prefetched with the cluster predate the one just added.
        return self._respond(self.get_object(), code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a person to the cluster",
        request=PersonAddSerializer,
        responses={201: ClusterPersonSerializer},
    )
    @action(detail=True, methods=["post"])
    def people(self, request, *args, **kwargs):
        cluster = self.get_object()
        params = PersonAddSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        with service_errors(params):
            person = services.cluster_person_add(user=request.user, cluster=cluster, **params.validated_data)
        return self._respond(person, ClusterPersonSerializer, status.HTTP_201_CREATED)

    @extend_schema(summary="The cluster's figures", responses=ClusterStatsSerializer)
    @action(detail=True, methods=["get"])
    def stats(self, request, *args, **kwargs):
        cluster = self.get_object()
        figures = {**cluster_stats(cluster=cluster), "network_map": cluster_network_effect(cluster=cluster)}
        return Response(ClusterStatsSerializer(figures).data)

    @extend_schema(
        summary="Download the cluster's handbook (Markdown or printable HTML)",
        description="The format is `as` when given, else the first of text/markdown or text/html the "
        "Accept header names, else Markdown. Errors are JSON whatever the Accept header says.",
        parameters=[
            OpenApiParameter(
                "as", OpenApiTypes.STR, enum=list(HANDBOOK_FORMATS), description="Defaults to markdown."
            ),
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                response=[200],
                description='attachment; filename="<cluster-name>-handbook.md" (or .html)',
            ),
        ],
        responses={
            (200, "text/markdown"): OpenApiResponse(
                OpenApiTypes.STR, description="The handbook in Markdown."
            ),
            (200, "text/html"): OpenApiResponse(
                OpenApiTypes.STR, description="The handbook as a printable page."
            ),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=JSONErrorsWhateverTheAccept)
    def handbook(self, request, *args, **kwargs):
        cluster = self.get_object()
        fmt = _handbook_format(request)
        content_type, extension = HANDBOOK_FORMATS[fmt]
        render = handbook_html if fmt == "html" else handbook_markdown
        response = HttpResponse(render(cluster=cluster), content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{handbook_filename(cluster, extension)}"'
        return response

    @extend_schema(
        summary="Turn a fund round's grantees into a learning cluster (coordinators)",
        description="Run again after more awards, it adds the new grantees to the same cluster.",
        request=FromRoundSerializer,
        responses={201: ClusterSerializer},
    )
    @action(detail=False, methods=["post"], url_path="from-round")
    def from_round(self, request, *args, **kwargs):
        if not can_edit(request.user, self.network):
            raise PermissionDenied("Only the network's coordinators can do this.")
        params = FromRoundSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        rnd = get_round(request.user, self.network, params.validated_data["round"])
        with service_errors(params):
            cluster, _ = services.cluster_from_round_grantees(user=request.user, round=rnd)
        return self._respond(cluster, code=status.HTTP_201_CREATED)


@extend_schema(tags=["clusters"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=[*WRITES, "attendance"])
@extend_schema_view(
    list=extend_schema(summary="List sessions of the clusters you may see", parameters=[CLUSTER_FILTER]),
    retrieve=extend_schema(summary="A session with its attendance"),
    create=extend_schema(summary="Schedule a session (the cluster's facilitators and coordinators)"),
    update=extend_schema(
        summary="Change a session", request=SessionUpdateSerializer, responses=SessionSerializer
    ),
    partial_update=extend_schema(
        summary="Change some of a session's fields",
        request=SessionUpdateSerializer,
        responses=SessionSerializer,
    ),
)
class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    ordering_fields = ["starts_at", "id"]
    ordering = ["starts_at", "id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return SessionUpdateSerializer
        if self.action == "attendance":
            return AttendanceRecordSerializer
        return SessionSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return ClusterSession.objects.none()
        sessions = ClusterSession.objects.filter(cluster__in=self.visible_clusters()).select_related(
            "cluster__network"
        )
        return self.filter_cluster(sessions, "cluster_id").prefetch_related("attendance__person")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        _require_manager(self.request.user, data["cluster"])
        with service_errors(serializer):
            serializer.instance = services.session_create(user=self.request.user, **data)

    def perform_update(self, serializer):
        with service_errors(serializer):
            serializer.instance = services.session_update(
                user=self.request.user, session=serializer.instance, **serializer.validated_data
            )

    @extend_schema(
        summary="Record who attended (idempotent: each pair's learning tie changes once per session)",
        request=AttendanceRecordSerializer,
        responses=AttendanceOutcomeSerializer,
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request, *args, **kwargs):
        session = self.get_object()
        params = AttendanceRecordSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        with service_errors(params):
            outcome = services.attendance_record(user=request.user, session=session, **params.validated_data)
        data = {
            "attendance": outcome.attendance,
            "ties_created": [t.pk for t in outcome.ties_created],
            "ties_strengthened": [t.pk for t in outcome.ties_strengthened],
            "ties_ended": [t.pk for t in outcome.ties_ended],
            "ties_weakened": [t.pk for t in outcome.ties_weakened],
        }
        return Response(AttendanceOutcomeSerializer(data).data)

    @extend_schema(
        summary="Email the invitation with a calendar file to the cluster's people",
        request=None,
        responses={202: InvitationSerializer},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, *args, **kwargs):
        session = self.get_object()
        invited = services.session_invitations_send(user=request.user, session=session)
        return Response({"invited": invited}, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["clusters"])
@extend_validation_errors(
    ["invalid"], field_name="non_field_errors", actions=[*WRITES, "questions", "advice", "follow_ups"]
)
@extend_schema_view(
    list=extend_schema(summary="List peer assists of the clusters you may see", parameters=[CLUSTER_FILTER]),
    retrieve=extend_schema(summary="A peer assist with its questions, advice and follow-ups"),
    create=extend_schema(summary="Start a peer assist in a session"),
    update=extend_schema(
        summary="Change a peer assist", request=PeerAssistUpdateSerializer, responses=PeerAssistSerializer
    ),
    partial_update=extend_schema(
        summary="Change some of a peer assist",
        request=PeerAssistUpdateSerializer,
        responses=PeerAssistSerializer,
    ),
)
class PeerAssistViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return PeerAssistUpdateSerializer
        return {
            "questions": QuestionSerializer,
            "advice": AdviceSerializer,
            "follow_ups": FollowUpSerializer,
        }.get(self.action, PeerAssistSerializer)

    def get_queryset(self):
        if self.is_schema_view:
            return PeerAssist.objects.none()
        peer_assists = PeerAssist.objects.filter(session__cluster__in=self.visible_clusters()).select_related(
            "session__cluster__network", "presenter__organisation"
        )
        return self.filter_cluster(peer_assists, "session__cluster_id").prefetch_related(
            "assisting", "questions", "advice", "follow_ups"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        _require_manager(self.request.user, data["session"].cluster)
        with service_errors(serializer):
            serializer.instance, _ = services.peer_assist_create(user=self.request.user, **data)

    def perform_update(self, serializer):
        with service_errors(serializer):
            serializer.instance, _ = services.peer_assist_update(
                user=self.request.user, peer_assist=serializer.instance, **serializer.validated_data
            )

    def _capture(self, request, serializer_class, service, **rename):
        peer_assist = self.get_object()
        params = serializer_class(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        data = {rename.get(k, k): v for k, v in params.validated_data.items()}
        with service_errors(params):
            obj = service(user=request.user, peer_assist=peer_assist, **data)
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=201)

    @extend_schema(
        summary="Capture a question", request=QuestionSerializer, responses={201: QuestionSerializer}
    )
    @action(detail=True, methods=["post"])
    def questions(self, request, *args, **kwargs):
        return self._capture(request, QuestionSerializer, services.question_add)

    @extend_schema(
        summary="Capture a piece of advice", request=AdviceSerializer, responses={201: AdviceSerializer}
    )
    @action(detail=True, methods=["post"])
    def advice(self, request, *args, **kwargs):
        return self._capture(request, AdviceSerializer, services.advice_add)

    @extend_schema(
        summary="Agree a follow-up action", request=FollowUpSerializer, responses={201: FollowUpSerializer}
    )
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, *args, **kwargs):
        return self._capture(request, FollowUpSerializer, services.followup_add)


@extend_schema(tags=["clusters"])
@extend_validation_errors(["invalid"], field_name="status", actions=["status"])
@extend_schema_view(
    list=extend_schema(
        summary="List follow-up actions of the clusters you may see", parameters=[CLUSTER_FILTER]
    ),
    retrieve=extend_schema(summary="A follow-up action"),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    serializer_class = FollowUpSerializer
    ordering_fields = ["due_on", "status", "id"]
    ordering = ["due_on", "id"]

    def get_queryset(self):
        if self.is_schema_view:
            return FollowUp.objects.none()
        follow_ups = FollowUp.objects.filter(peer_assist__session__cluster__in=self.visible_clusters())
        follow_ups = follow_ups.select_related("peer_assist__session__cluster")
        return self.filter_cluster(follow_ups, "peer_assist__session__cluster_id")

    @extend_schema(
        summary="Mark a follow-up done or dropped, or reopen it",
        request=FollowUpStatusSerializer,
        responses=FollowUpSerializer,
    )
    @action(detail=True, methods=["post"])
    def status(self, request, *args, **kwargs):
        follow_up = self.get_object()
        params = FollowUpStatusSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            follow_up = services.followup_set_status(
                user=request.user, follow_up=follow_up, status=params.validated_data["status"]
            )
        return Response(FollowUpSerializer(follow_up, context=self.get_serializer_context()).data)


@extend_schema(tags=["clusters"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["create"])
@extend_schema_view(
    list=extend_schema(summary="List lessons of the clusters you may see", parameters=[CLUSTER_FILTER]),
    retrieve=extend_schema(summary="A lesson"),
    create=extend_schema(summary="Write down a lesson (the cluster's facilitators and coordinators)"),
)
class LessonViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    serializer_class = LessonSerializer
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        if self.is_schema_view:
            return Lesson.objects.none()
        lessons = Lesson.objects.filter(cluster__in=self.visible_clusters()).select_related("author")
        return self.filter_cluster(lessons, "cluster_id").prefetch_related("tags")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        _require_manager(self.request.user, data["cluster"])
        with service_errors(serializer):
            serializer.instance = services.lesson_add(user=self.request.user, **data)
