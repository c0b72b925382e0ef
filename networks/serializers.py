"""REST representations of networks, members and relationships.

Serializers only validate and represent; writes go through networks.services (see networks.api).
Related members are looked up in the request's network only, so another network's id is a 400.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from networks.models import Member, Network, Relationship, Role
from networks.permissions import roles_of
from weaver.lib.api import StrictModelSerializer, StrictSerializer


class NetworkSerializer(StrictModelSerializer):
    roles = serializers.SerializerMethodField(help_text="Your roles in this network.")

    class Meta:
        model = Network
        fields = ["slug", "name", "purpose", "roles", "created_at", "updated_at"]
        read_only_fields = ["slug", "created_at", "updated_at"]

    def get_roles(self, network: Network) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return sorted(roles_of(request.user, network))


class NetworkCreateSerializer(NetworkSerializer):
    class Meta(NetworkSerializer.Meta):
        read_only_fields = ["created_at", "updated_at"]


class TagListField(serializers.ListField):
    """Tag names in, tag names out; a bad tag is reported on `tags` itself, numbered from 1.

    Errors stay on `tags` (not `tags.0`) because the schema's error attributes are a fixed list.
    """

    child = serializers.CharField(max_length=80)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError(
                [
                    f"Tag {index + 1}: {message}"
                    for index, messages in sorted(exc.detail.items())
                    for message in messages
                ],
                code="invalid",
            ) from exc

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


def _network_members(context):
    network = context.get("network")
    if network is None:
        return Member.objects.none()
    return Member.objects.filter(network=network)


@extend_schema_field(OpenApiTypes.INT)
class NetworkMemberField(serializers.PrimaryKeyRelatedField):
    """A member id, accepted only if the member belongs to the request's network (typed for the schema,
    which has no model to look at in a plain serializer)."""

    def get_queryset(self):
        return _network_members(self.context)


class NetworkOrganisationField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _network_members(self.context).filter(kind=Member.Kind.ORGANISATION)


class MemberSerializer(StrictModelSerializer):
    tags = TagListField(required=False, help_text="Tag names; replaced as a whole when sent.")
    organisations = NetworkOrganisationField(
        many=True,
        required=False,
        help_text="Ids of the organisations this person is affiliated with (people only).",
    )
    organisation_names = serializers.SlugRelatedField(
        source="organisations", slug_field="name", many=True, read_only=True
    )
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "kind",
            "name",
            "email",
            "organisations",
            "organisation_names",
            "community",
            "location",
            "tags",
            "description",
            "joined_on",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archived_at", "created_at", "updated_at"]


class RelationshipSerializer(StrictModelSerializer):
    source = NetworkMemberField(help_text="Id of the member the tie starts from.")
    target = NetworkMemberField(help_text="Id of the member the tie goes to.")
    source_name = serializers.CharField(source="source.name", read_only=True)
    target_name = serializers.CharField(source="target.name", read_only=True)
    strength = serializers.IntegerField(
        min_value=1, max_value=5, required=False, help_text="1 (weak) to 5 (strong)."
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Relationship
        fields = [
            "id",
            "source",
            "source_name",
            "target",
            "target_name",
            "kind",
            "strength",
            "direction",
            "started_on",
            "ended_on",
            "is_active",
            "provenance",
            "provenance_detail",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["ended_on", "created_at", "updated_at"]
        extra_kwargs = {"kind": {"help_text": "The type of tie, e.g. knows, works with (lower case)."}}


class RelationshipUpdateSerializer(RelationshipSerializer):
    """What can change in a tie: its ends and origin stay as they were."""

    source = serializers.PrimaryKeyRelatedField(read_only=True)
    target = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(RelationshipSerializer.Meta):
        read_only_fields = [
            "source",
            "target",
            "provenance",
            "provenance_detail",
            "ended_on",
            "created_at",
            "updated_at",
        ]


class RelationshipEndSerializer(StrictSerializer):
    ended_on = serializers.DateField(required=False, help_text="Defaults to today.")


class AccountSerializer(StrictSerializer):
    """A login holding roles in the network (networks.selectors.Account); its username is never shown."""

    id = serializers.IntegerField(
        source="user.pk", help_text="The login's id: remove its access at access/{user_id}/."
    )
    name = serializers.CharField(help_text="The person's name, else the login's full name.")
    person = serializers.IntegerField(
        source="person.pk",
        allow_null=True,
        help_text="Id of the person of the network the login belongs to; null when it is linked to none.",
    )
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    password_chosen = serializers.BooleanField(
        source="user.has_usable_password",
        help_text="False while the login has no password (made before invitations were accepted by link).",
    )


class AccessInvitationSerializer(StrictSerializer):
    """An access invitation e-mailed to a person: the roles are theirs once they accept it."""

    id = serializers.IntegerField(help_text="Withdraw it at access/invitations/{invitation_id}/.")
    person = serializers.IntegerField(source="member_id", help_text="Id of the person invited.")
    name = serializers.CharField(source="member.name")
    email = serializers.EmailField(help_text="Where the invitation was sent (the person's e-mail).")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    status = serializers.ChoiceField(choices=["pending", "accepted", "revoked", "expired"])
    invited_by = serializers.SerializerMethodField(help_text="Who sent it (their full name), if known.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    def get_invited_by(self, invitation) -> str | None:
        return invitation.created_by.get_full_name() or None if invitation.created_by else None


class AccessSetSerializer(StrictSerializer):
    member = NetworkMemberField(
        help_text="Id of a current person of the network with an e-mail address: their login gets exactly "
        "these roles if it already has access here; otherwise they are invited by e-mail."
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        help_text="Every role the person should hold here, replacing those they hold; at least one.",
    )


class AccessChangeSerializer(StrictSerializer):
    account = AccountSerializer(
        allow_null=True,
        help_text="The login as it is now, when it already had access here and its roles were changed; "
        "else null.",
    )
    invitation = AccessInvitationSerializer(
        allow_null=True,
        help_text="The invitation e-mailed to the person, when they had no access here (whether or not "
        "their e-mail has a login): no role is given until they accept it. Else null.",
    )
    added = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    removed = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
