"""REST API for networks and their members, organisations and relationships (routes: networks/api_urls.py).

Every view resolves the network in the URL once, through networks.permissions: a network the caller
holds no role in answers 404, and changing anything in it needs a coordinator (403 otherwise).
Members and relationships are never deleted over the API: members are archived, ties are ended.
Request bodies are JSON only: DRF's form parsers quietly read a garbled body as "no fields".
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from networks import selectors, services
from networks.filters import MemberFilter, RelationshipFilter
from networks.models import AccessInvitation, Member, Network, Relationship
from networks.permissions import can_create_network, can_edit, get_network_for_user, networks_for_user
from networks.serializers import (
    AccessChangeSerializer,
    AccessInvitationSerializer,
    AccessSetSerializer,
    AccountSerializer,
    MemberSerializer,
    NetworkCreateSerializer,
    NetworkSerializer,
    RelationshipEndSerializer,
    RelationshipSerializer,
    RelationshipUpdateSerializer,
)
from weaver.lib.api import JSONParser, StrictBooleanFilter, service_errors

COORDINATORS_ONLY = "Only the network's coordinators can change this."
NETWORK_SLUG = OpenApiParameter(
    "network_slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The network's slug.",
)


class CoordinatorsChangeNetwork(BasePermission):
    """Anyone with a role reads a network; only its coordinators change it."""

    message = COORDINATORS_ONLY

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_edit(request.user, obj)


class MayCreateNetworks(BasePermission):
    """Creating a network is for the logins WEAVER_NETWORK_CREATORS allows."""

    message = "Ask an administrator to let you start networks."

    def has_permission(self, request, view):
        return view.action != "create" or can_create_network(request.user)


class CoordinatorsChangeContents(BasePermission):
    """Writes inside a network (members, ties...) need a coordinator of the network in the URL."""

    message = COORDINATORS_ONLY

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_edit(request.user, view.network)


class CoordinatorsOnly(BasePermission):
    """Reading or changing who has access to a network needs one of its coordinators."""

    message = "Only the network's coordinators can see or change who has access."

    def has_permission(self, request, view):
        return can_edit(request.user, view.network)


WRITES = ["create", "update", "partial_update"]


class MemberApiFilter(MemberFilter):
    archived = StrictBooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)


class RelationshipApiFilter(RelationshipFilter):
    active = StrictBooleanFilter(field_name="ended_on", lookup_expr="isnull")


# Services raise field errors of their own (code "invalid"); the schema must list them too.
@extend_schema(tags=["networks"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=WRITES)
@extend_schema_view(
    list=extend_schema(summary="List the networks you hold a role in"),
    retrieve=extend_schema(summary="A network"),
    create=extend_schema(
        summary="Create a network (you become its coordinator)",
        description="Who may is a setting (WEAVER_NETWORK_CREATORS): by default staff, and logins a staff "
        'member gave the "Can add network" permission; anyone else gets 403.',
        request=NetworkCreateSerializer,
        responses={201: NetworkSerializer},
    ),
    update=extend_schema(summary="Rename a network or restate its purpose (coordinators)"),
    partial_update=extend_schema(summary="Change some of a network's fields (coordinators)"),
)
class NetworkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = NetworkSerializer
    permission_classes = [IsAuthenticated, MayCreateNetworks, CoordinatorsChangeNetwork]
    parser_classes = [JSONParser]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Network.objects.none()
        return networks_for_user(self.request.user)

    def get_object(self) -> Network:
        network = get_network_for_user(self.request.user, self.kwargs["slug"])
        self.check_object_permissions(self.request, network)
        return network

    def get_serializer_class(self):
        return NetworkCreateSerializer if self.action == "create" else NetworkSerializer

    def perform_create(self, serializer):
        with service_errors(serializer):
            serializer.instance = services.network_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        network = serializer.instance
        data = serializer.validated_data
        with service_errors(serializer):
            serializer.instance = services.network_update(
                user=self.request.user,
                network=network,
                name=data.get("name", network.name),
                purpose=data.get("purpose", network.purpose),
            )


METRICS_PENDING_HEADER = "Weaver-Metrics-Pending"


@extend_schema(parameters=[NETWORK_SLUG])
class NetworkScopedViewSet(viewsets.GenericViewSet):
    """Base for everything under /networks/{network_slug}/: one network, resolved once, scoping all."""

    permission_classes = [IsAuthenticated, CoordinatorsChangeContents]
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    @cached_property
    def network(self) -> Network:
        return get_network_for_user(self.request.user, self.kwargs["network_slug"])

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.network  # noqa: B018 - resolves the network (or 404s) before any handler runs

    @property
    def is_schema_view(self) -> bool:
        return getattr(self, "swagger_fake_view", False)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.is_schema_view:
            context["network"] = self.network
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in SAFE_METHODS and response.status_code < 300 and "network" in self.__dict__:
            # The write is saved; its metrics are recomputed in the background (even if the broker was
            # down a moment: the snapshot row waits for it). Tell the client where to follow that.
            pending = selectors.snapshot_pending(network=self.network)
            if pending is not None:
                response[METRICS_PENDING_HEADER] = request.build_absolute_uri(
                    reverse(
                        "api-snapshot-detail", kwargs={"network_slug": self.network.slug, "pk": pending.pk}
                    )
                )
        return response

    def get_object(self):
        # Detail lookups ignore list filters: a stray ?member=x must not turn a retrieve into a 400.
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj


MEMBER_ORDERING = ["name", "kind", "community", "joined_on", "created_at", "id"]


@extend_schema(tags=["members"])
@extend_validation_errors(["invalid"], field_name="organisations", actions=WRITES)
@extend_validation_errors(["invalid"], field_name="tags", actions=WRITES)
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=WRITES)
@extend_schema_view(
    list=extend_schema(summary="List a network's members (people and organisations)"),
    retrieve=extend_schema(summary="A member"),
    create=extend_schema(summary="Add a member (coordinators)"),
    update=extend_schema(summary="Change a member (coordinators)"),
    partial_update=extend_schema(summary="Change some of a member's fields (coordinators)"),
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    NetworkScopedViewSet,
):
    """Members are never deleted over the API: archive them (and unarchive them) instead."""

    serializer_class = MemberSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = MemberApiFilter
    ordering_fields = MEMBER_ORDERING
    ordering = ["name", "id"]

    def get_queryset(self):
        if self.is_schema_view:
            return Member.objects.none()
        return Member.objects.filter(network=self.network).prefetch_related("tags", "organisations")

    def perform_create(self, serializer):
        with service_errors(serializer):
            serializer.instance = services.member_create(
                user=self.request.user, network=self.network, **serializer.validated_data
            )

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        tags = fields.pop("tags", None)
        organisations = fields.pop("organisations", None)
        with service_errors(serializer):
            serializer.instance = services.member_update(
                user=self.request.user,
                member=serializer.instance,
                tags=tags,
                organisations=organisations,
                **fields,
            )

    @extend_schema(
        summary="Archive a member (coordinators)",
        description="Kept with their history and ties, left out of lists and metrics. Idempotent.",
        request=None,
        responses=MemberSerializer,
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        member = services.member_archive(user=request.user, member=self.get_object())
        return Response(self.get_serializer(member).data)

    @extend_schema(
        summary="Bring an archived member back (coordinators)", request=None, responses=MemberSerializer
    )
    @action(detail=True, methods=["post"])
    def unarchive(self, request, *args, **kwargs):
        member = services.member_unarchive(user=request.user, member=self.get_object())
        return Response(self.get_serializer(member).data)


@extend_schema(tags=["organisations"])
@extend_schema_view(
    list=extend_schema(summary="List a network's organisations"),
    retrieve=extend_schema(summary="An organisation"),
)
class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, NetworkScopedViewSet):
    """Read-only view of the members that are organisations; change them through members/."""

    serializer_class = MemberSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = MemberApiFilter
    ordering_fields = MEMBER_ORDERING
    ordering = ["name", "id"]

    def get_queryset(self):
        if self.is_schema_view:
            return Member.objects.none()
        return Member.objects.filter(network=self.network, kind=Member.Kind.ORGANISATION).prefetch_related(
            "tags", "organisations"
        )


@extend_schema(tags=["relationships"])
@extend_validation_errors(["invalid"], field_name="source", actions=["create"])
@extend_validation_errors(["invalid"], field_name="target", actions=["create"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=[*WRITES, "end"])
@extend_schema_view(
    list=extend_schema(summary="List a network's relationships (ties)"),
    retrieve=extend_schema(summary="A relationship"),
    create=extend_schema(summary="Tie two members (coordinators)"),
    update=extend_schema(
        summary="Change a relationship (coordinators)",
        request=RelationshipUpdateSerializer,
        responses=RelationshipSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a relationship's fields (coordinators)",
        request=RelationshipUpdateSerializer,
        responses=RelationshipSerializer,
    ),
)
class RelationshipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    NetworkScopedViewSet,
):
    """Relationships are never deleted over the API: end them instead, so the history stays."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = RelationshipApiFilter
    ordering_fields = ["created_at", "started_on", "ended_on", "strength", "kind", "id"]
    ordering = ["-created_at", "id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return RelationshipUpdateSerializer
        if self.action == "end":
            return RelationshipEndSerializer
        return RelationshipSerializer

    def get_queryset(self):
        if self.is_schema_view:
            return Relationship.objects.none()
        return Relationship.objects.filter(network=self.network).select_related("source", "target")

    def perform_create(self, serializer):
        with service_errors(serializer):
            serializer.instance = services.relationship_add(
                user=self.request.user, network=self.network, **serializer.validated_data
            )

    def perform_update(self, serializer):
        with service_errors(serializer):
            serializer.instance = services.relationship_update(
                user=self.request.user, relationship=serializer.instance, **serializer.validated_data
            )

    @extend_schema(
        summary="End a relationship (coordinators)",
        description="Kept for history, left out of metrics. Ending an ended tie changes nothing.",
        request=RelationshipEndSerializer,
        responses=RelationshipSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        relationship = self.get_object()
        params = RelationshipEndSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with service_errors(params):
            relationship = services.relationship_end(
                user=request.user, relationship=relationship, ended_on=params.validated_data.get("ended_on")
            )
        return Response(RelationshipSerializer(relationship, context=self.get_serializer_context()).data)


USER_ID = OpenApiParameter(
    "user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The login's id (`id` in the list)."
)


@extend_schema(tags=["access"])
@extend_validation_errors(["invalid"], field_name="member", actions=["create"])
@extend_validation_errors(["invalid"], field_name="roles", actions=["create", "destroy"])
@extend_schema_view(
    list=extend_schema(summary="List the logins to the network, with their person and roles (coordinators)"),
    create=extend_schema(
        summary="Give a person of the network these roles, or invite them (coordinators)",
        description="A person whose login already has access here gets exactly these roles (the network "
        "keeps at least one coordinator). Anyone else is e-mailed an invitation, whether or not their "
        "e-mail has a login (the answer is the same either way): the roles are theirs once they accept it "
        "from the link, logged in with the login that has their e-mail, or choosing a password for a new "
        "one. "
        "A new invitation to the same person replaces the pending one.",
        request=AccessSetSerializer,
        responses={201: AccessChangeSerializer},
    ),
    destroy=extend_schema(
        summary="Take away every role a login holds in the network (coordinators)",
        description="The login itself stays, for its other networks. The network keeps at least one "
        "coordinator: taking the last one's roles is a 400.",
        parameters=[USER_ID],
        responses={204: None},
    ),
)
class AccessViewSet(NetworkScopedViewSet):
    """Who may log in to the network and what they may do: the "Who has access" page over the API."""

    serializer_class = AccountSerializer
    permission_classes = [IsAuthenticated, CoordinatorsOnly]
    http_method_names = ["get", "post", "delete", "head", "options"]
    filter_backends = []
    lookup_url_kwarg = "user_id"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        # Only for the schema's path parameter type; logins are read through networks.selectors.
        return get_user_model().objects.none()

    def get_object(self):
        account = selectors.network_account(network=self.network, user_id=int(self.kwargs["user_id"]))
        if account is None:
            raise NotFound("That login has no access to this network.")
        return account

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.network_accounts(network=self.network))
        return self.get_paginated_response(AccountSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        params = AccessSetSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        with service_errors(params):
            change = services.access_set(user=request.user, network=self.network, **params.validated_data)
        account = change.account and selectors.network_account(
            network=self.network, user_id=change.account.pk
        )
        result = {
            "account": account,
            "invitation": change.invitation,
            "added": sorted(change.added),
            "removed": sorted(change.removed),
        }
        return Response(AccessChangeSerializer(result).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        account = self.get_object()
        with service_errors(fields=["roles"]):
            services.access_revoke(user=request.user, network=self.network, account=account.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


INVITATION_ID = OpenApiParameter(
    "invitation_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The invitation's id."
)


@extend_schema(tags=["access"])
@extend_validation_errors(["invalid"], field_name="invitation", actions=["destroy"])
@extend_schema_view(
    list=extend_schema(summary="List the pending access invitations (coordinators)"),
    destroy=extend_schema(
        summary="Withdraw a pending access invitation: its link stops working (coordinators)",
        parameters=[INVITATION_ID],
        responses={204: None},
    ),
)
class AccessInvitationViewSet(mixins.ListModelMixin, NetworkScopedViewSet):
    """Invitations e-mailed from access/ and not yet accepted, withdrawn or expired."""

    serializer_class = AccessInvitationSerializer
    permission_classes = [IsAuthenticated, CoordinatorsOnly]
    http_method_names = ["get", "delete", "head", "options"]
    filter_backends = []
    lookup_url_kwarg = "invitation_id"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.is_schema_view:
            return AccessInvitation.objects.none()
        return selectors.access_invitations_pending(network=self.network)

    def get_object(self):
        invitation_id = int(self.kwargs["invitation_id"])
        invitation = self.get_queryset().filter(pk=invitation_id).first() if invitation_id < 2**63 else None
        if invitation is None:
            raise NotFound("No pending invitation with this id in this network.")
        return invitation

    def destroy(self, request, *args, **kwargs):
        invitation = self.get_object()
        with service_errors():
            services.access_invitation_revoke(user=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)
