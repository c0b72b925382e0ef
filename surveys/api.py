"""REST API for survey campaigns under /api/v1/networks/{network_slug}/surveys/ (routes: surveys/api_urls.py).

The network comes from networks.permissions (no role: 404). Everything is for coordinators (403 for
other members), except `results/`, whose aggregate figures members may read when the campaign allows
(otherwise the campaign is a 404 to them). Respondents answer through their personal link, not here.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from networks.api import NetworkScopedViewSet
from networks.models import Member
from networks.permissions import can_edit
from surveys import selectors, services
from surveys.models import Campaign, Invitation
from surveys.permissions import campaigns_for_user
from surveys.serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    InviteSerializer,
    ResponseSerializer,
    ResultsSerializer,
    StatusSerializer,
    SurveyInvitationSerializer,
)
from weaver.lib.api import service_errors

COORDINATORS_ONLY = "Only the network's coordinators can see a survey's details."


@extend_schema(tags=["surveys"])
@extend_validation_errors(
    ["invalid"], field_name="non_field_errors", actions=["create", "status", "invitations"]
)
@extend_schema_view(
    list=extend_schema(summary="List the network's survey campaigns (coordinators)"),
    retrieve=extend_schema(summary="A survey campaign with its questions (coordinators)"),
    create=extend_schema(
        summary="Create a draft survey campaign (coordinators)", request=CampaignCreateSerializer
    ),
)
class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, NetworkScopedViewSet
):
    permission_classes = [IsAuthenticated]
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()

    def get_queryset(self):
        if self.is_schema_view:
            return Campaign.objects.none()
        return Campaign.objects.filter(network=self.network).prefetch_related("questions")

    def get_serializer_class(self):
        return CampaignCreateSerializer if self.action == "create" else CampaignSerializer

    def _require_coordinator(self):
        if not can_edit(self.request.user, self.network):
            raise PermissionDenied(COORDINATORS_ONLY)

    def check_permissions(self, request):
        super().check_permissions(request)
        if self.action != "results" and not self.is_schema_view:
            self._require_coordinator()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with service_errors():
            serializer.instance = services.campaign_create(
                user=self.request.user, network=self.network, **data
            )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(CampaignSerializer(serializer.instance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open or close a campaign (coordinators)",
        request=StatusSerializer,
        responses=CampaignSerializer,
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def status(self, request, *args, **kwargs):
        campaign = self.get_object()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.campaign_set_status(
                user=request.user, campaign=campaign, status=serializer.validated_data["status"]
            )
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(
        methods=["get"],
        summary="Who was invited, and whether their e-mail went and they answered",
        responses=SurveyInvitationSerializer(many=True),
    )
    @extend_schema(
        methods=["post"],
        summary="Invite people (and e-mail them if the campaign is open)",
        request=InviteSerializer,
        responses={201: SurveyInvitationSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def invitations(self, request, *args, **kwargs):
        campaign = self.get_object()
        if request.method == "POST":
            serializer = InviteSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            members = serializer.validated_data.get("members") or []
            if serializer.validated_data["everyone"]:
                members = list(Member.objects.active().people().filter(network=self.network))
            with service_errors():
                created = services.invitations_create(user=request.user, campaign=campaign, members=members)
                if campaign.is_answerable():
                    services.invitations_send(user=request.user, campaign=campaign, invitations=created)
            return Response(
                SurveyInvitationSerializer(created, many=True).data, status=status.HTTP_201_CREATED
            )
        invitations = Invitation.objects.filter(campaign=campaign).select_related("member", "response")
        return Response(SurveyInvitationSerializer(invitations, many=True).data)

    @extend_schema(
        summary="Every response with its answers, ratings with the rater's name (coordinators)",
        responses=ResponseSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def responses(self, request, *args, **kwargs):
        campaign = self.get_object()
        nominations: dict[int, list] = {}
        readable = selectors.nominations_for_reader(campaign=campaign, user=request.user)
        for n in readable.order_by("pk").values():
            nominations.setdefault(n["response_id"], []).append(
                {
                    "question": n["question_id"],
                    "member": n["member_id"],
                    "pending": f"p{n['pending_id']}" if n["pending_id"] else None,
                    **{
                        k: n[k]
                        for k in ResponseSerializer().fields["nominations"].child.fields
                        if k not in {"question", "member", "pending"}
                    },
                }
            )
        rows = [
            {
                "invitation": inv.pk,
                "member": inv.member_id,
                "member_name": inv.member.name,
                "consent_at": inv.response.consent_at,
                "submitted_at": inv.response.submitted_at,
                "updated_at": inv.response.updated_at,
                "nominations": nominations.get(inv.response.pk, []),
            }
            for inv in Invitation.objects.filter(campaign=campaign, response__isnull=False).select_related(
                "member", "response"
            )
        ]
        return Response(ResponseSerializer(rows, many=True).data)

    @extend_schema(
        summary="Figures: response rate, reciprocity, trust, value, health; per member for coordinators",
        responses=ResultsSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, *args, **kwargs):
        coordinator = can_edit(request.user, self.network)
        campaigns = self.get_queryset() if coordinator else campaigns_for_user(request.user, self.network)
        campaign = get_object_or_404(campaigns, pk=self.kwargs["pk"])
        return Response(
            ResultsSerializer(
                selectors.campaign_results(campaign=campaign, with_members=coordinator, reader=request.user)
            ).data
        )
