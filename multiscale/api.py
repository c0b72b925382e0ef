"""REST API for prospects and meta-networks under /api/v1/networks/{network_slug}/ (multiscale/api_urls.py).

The network in the URL is resolved through networks.permissions (no role: 404). Prospects are for
coordinators only (403 to others). member-networks/ lists the links the network takes part in, on
either side; each write needs a coordinator of the side it belongs to (multiscale.permissions).
scale-crossers/ needs a coordinator or guardian of the meta-network; meta-map/ any role in it.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from multiscale import permissions, selectors, services
from multiscale.models import MemberNetwork, Prospect
from multiscale.serializers import (
    MatchConfirmSerializer,
    MemberNetworkCreateSerializer,
    MemberNetworkSerializer,
    MetaMapSerializer,
    ProspectJoinSerializer,
    ProspectMoveSerializer,
    ProspectSerializer,
    ScaleCrosserSerializer,
    SharingSerializer,
)
from networks.api import CoordinatorsChangeContents, CoordinatorsOnly, NetworkScopedViewSet
from networks.permissions import can_edit
from weaver.lib.api import service_errors

WRITES = ["create", "update", "partial_update"]


class StewardsOnly(BasePermission):
    """A meta-network's shared names are for its coordinators and guardians."""

    message = "Only the meta-network's coordinators and guardians see who crosses scales."

    def has_permission(self, request, view):
        return permissions.can_read_shared(request.user, view.network)


@extend_schema(tags=["prospects"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=[*WRITES, "move", "join"])
@extend_validation_errors(["invalid"], field_name="reached_by", actions=WRITES)
@extend_validation_errors(["invalid"], field_name="status", actions=["move", "join"])
@extend_schema_view(
    list=extend_schema(summary="List the network's prospects: who it wants on its edge (coordinators)"),
    retrieve=extend_schema(summary="A prospect, with the history of its stages (coordinators)"),
    create=extend_schema(summary="Add a prospect at the 'identified' stage (coordinators)"),
    update=extend_schema(summary="Change a prospect's details (coordinators)"),
    partial_update=extend_schema(summary="Change some of a prospect's details (coordinators)"),
)
class ProspectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    NetworkScopedViewSet,
):
    serializer_class = ProspectSerializer
    permission_classes = [IsAuthenticated, CoordinatorsOnly]
    filter_backends = []

    def get_queryset(self):
        if self.is_schema_view:
            return Prospect.objects.none()
        return (
            Prospect.objects.filter(network=self.network)
            .select_related("reached_by")
            .prefetch_related("steps__by")
        )

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.prospect_create(
                user=self.request.user, network=self.network, **serializer.validated_data
            )

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.prospect_update(
                user=self.request.user, prospect=serializer.instance, **serializer.validated_data
            )

    def _answer(self, prospect):
        return Response(
            ProspectSerializer(
                self.get_queryset().get(pk=prospect.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Move a prospect to another stage (coordinators)",
        description="identified, contacted, talking or not now; joining is its own action.",
        request=ProspectMoveSerializer,
        responses=ProspectSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        prospect = self.get_object()
        params = ProspectMoveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors():
            prospect = services.prospect_move(user=request.user, prospect=prospect, **params.validated_data)
        return self._answer(prospect)

    @extend_schema(
        summary="The prospect joins: they become a member, tied to whoever reached out (coordinators)",
        request=ProspectJoinSerializer,
        responses=ProspectSerializer,
    )
    @action(detail=True, methods=["post"])
    def join(self, request, *args, **kwargs):
        prospect = self.get_object()
        params = ProspectJoinSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors():
            prospect = services.prospect_join(user=request.user, prospect=prospect, **params.validated_data)
        return self._answer(prospect)


@extend_schema(tags=["meta-networks"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["create", "accept"])
@extend_validation_errors(["invalid"], field_name="meta", actions=["create"])
@extend_validation_errors(["invalid"], field_name="local", actions=["create"])
@extend_validation_errors(["invalid"], field_name="sharing", actions=["create", "partial_update"])
@extend_validation_errors(["invalid"], field_name="status", actions=["accept"])
@extend_schema_view(
    list=extend_schema(summary="The meta-network links this network takes part in, on either side"),
    retrieve=extend_schema(summary="A meta-network link"),
    create=extend_schema(
        summary="Ask to join a meta-network (`meta`) or invite a network into this one (`local`)",
        description="Inviting makes the network in the URL a meta-network. The other side's coordinators "
        "accept. `sharing` is the agreement: figures, organisations, or people (and ties).",
        request=MemberNetworkCreateSerializer,
        responses={201: MemberNetworkSerializer},
    ),
    partial_update=extend_schema(
        summary="Change the sharing agreement (the local network's coordinators)",
        request=SharingSerializer,
        responses=MemberNetworkSerializer,
    ),
)
class MemberNetworkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    NetworkScopedViewSet,
):
    serializer_class = MemberNetworkSerializer
    permission_classes = [IsAuthenticated, CoordinatorsChangeContents]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        if self.is_schema_view:
            return MemberNetwork.objects.none()
        return permissions.member_networks_of(self.network)

    def get_serializer_class(self):
        if self.action == "create":
            return MemberNetworkCreateSerializer
        if self.action == "partial_update":
            return SharingSerializer
        return MemberNetworkSerializer

    def _answer(self, link, code=status.HTTP_200_OK):
        return Response(MemberNetworkSerializer(link).data, status=code)

    def create(self, request, *args, **kwargs):
        if not can_edit(request.user, self.network):
            raise PermissionDenied("Only the network's coordinators can ask to join or invite.")
        params = MemberNetworkCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        with service_errors():
            if data.get("meta"):
                link = services.member_network_request(
                    user=request.user, local=self.network, meta_slug=data["meta"], sharing=data["sharing"]
                )
            else:
                link = services.member_network_invite(
                    user=request.user, meta=self.network, local_slug=data["local"], sharing=data["sharing"]
                )
        return self._answer(link, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        link = self.get_object()
        if not permissions.can_change_sharing(request.user, link):
            raise PermissionDenied("Only the local network's coordinators decide what it shares.")
        params = SharingSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors():
            link = services.member_network_sharing_change(
                user=request.user, link=link, **params.validated_data
            )
        return self._answer(link)

    @extend_schema(
        summary="Accept a request or an invitation (the coordinators of the side that did not ask)",
        request=None,
        responses=MemberNetworkSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        link = self.get_object()
        if not permissions.can_accept(request.user, link):
            raise PermissionDenied("Only the coordinators of the side that was asked can accept.")
        with service_errors():
            link = services.member_network_accept(user=request.user, link=link)
        return self._answer(link)

    @extend_schema(
        summary="Leave, decline or withdraw (coordinators of either side)",
        description="The link is deleted: nothing the local network shared is readable any more.",
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, *args, **kwargs):
        link = self.get_object()
        if not permissions.can_leave(request.user, link):
            raise PermissionDenied("Only the coordinators of either network can end this.")
        services.member_network_leave(user=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Make this network a meta-network, which other networks may ask to join (coordinators)",
        request=None,
        responses={204: None},
    )
    @action(detail=False, methods=["post"], url_path="become-meta")
    def become_meta(self, request, *args, **kwargs):
        if not can_edit(request.user, self.network):
            raise PermissionDenied("Only the network's coordinators can change this.")
        services.meta_network_enable(user=request.user, network=self.network)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MetaReadViewSet(NetworkScopedViewSet):
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return MemberNetwork.objects.none()


@extend_schema(tags=["meta-networks"])
@extend_validation_errors(["invalid"], field_name="key", actions=["confirm"])
class ScaleCrosserViewSet(MetaReadViewSet):
    serializer_class = ScaleCrosserSerializer
    permission_classes = [IsAuthenticated, StewardsOnly]

    @extend_schema(
        summary="People and organisations in two or more member networks (coordinators and guardians)",
        description="People are matched by e-mail (case-insensitive) among networks sharing people; "
        "organisations by name among networks sharing organisations. Figures-only networks never appear.",
        responses=ScaleCrosserSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        return Response(ScaleCrosserSerializer(selectors.scale_crossers(meta=self.network), many=True).data)

    @extend_schema(
        summary="Confirm that organisations with the same name in several member networks are one",
        description="For the meta-network's coordinators and guardians. Leaving or narrowing an agreement "
        "drops the confirmations it no longer supports.",
        request=MatchConfirmSerializer,
        responses={204: None},
    )
    @action(detail=False, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        params = MatchConfirmSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors():
            services.organisation_match_confirm(user=request.user, meta=self.network, **params.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["meta-networks"])
class MetaMapViewSet(MetaReadViewSet):
    serializer_class = MetaMapSerializer

    @extend_schema(
        summary="The meta map: member networks, their figures and the people and organisations they share",
        description="Counts only, never members' names; a pair's count is null unless both share it.",
        responses=MetaMapSerializer,
    )
    def meta_map(self, request, *args, **kwargs):
        return Response(MetaMapSerializer(selectors.meta_map(meta=self.network)).data)
