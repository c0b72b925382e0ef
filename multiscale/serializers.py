"""REST representations for prospects and meta-networks; writes go through multiscale.services."""

from rest_framework import serializers

from multiscale.models import MemberNetwork, Prospect, ProspectStep, Sharing
from networks.serializers import NetworkMemberField
from weaver.lib.api import StrictFieldsMixin


class ProspectStepSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProspectStep
        fields = ["from_status", "to_status", "on", "note", "by"]


class ProspectSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    reached_by = NetworkMemberField(
        allow_null=True, required=False, help_text="The member (id) who reaches out."
    )
    steps = ProspectStepSerializer(many=True, read_only=True)

    class Meta:
        model = Prospect
        fields = [
            "id",
            "kind",
            "name",
            "email",
            "why",
            "reached_by",
            "status",
            "identified_on",
            "status_changed_on",
            "notes",
            "member",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "status_changed_on", "member", "created_at", "updated_at"]


MOVE_STAGES = [choice for choice in Prospect.Status.choices if choice[0] != Prospect.Status.JOINED]


class ProspectMoveSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=MOVE_STAGES)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ProspectJoinSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class NetworkRefSerializer(StrictFieldsMixin, serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class MemberNetworkSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    meta = NetworkRefSerializer(read_only=True)
    local = NetworkRefSerializer(read_only=True)

    class Meta:
        model = MemberNetwork
        fields = ["id", "meta", "local", "sharing", "status", "asked_at", "accepted_at"]
        read_only_fields = fields


class MemberNetworkCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    meta = serializers.SlugField(
        required=False, help_text="Ask to join this meta-network (the network in the URL is the local one)."
    )
    local = serializers.SlugField(
        required=False, help_text="Invite this network (the network in the URL is the meta-network)."
    )
    sharing = serializers.ChoiceField(choices=Sharing.choices)

    def validate(self, attrs):
        if bool(attrs.get("meta")) == bool(attrs.get("local")):
            raise serializers.ValidationError("Give either `meta` (to ask to join) or `local` (to invite).")
        return attrs


class SharingSerializer(StrictFieldsMixin, serializers.Serializer):
    sharing = serializers.ChoiceField(choices=Sharing.choices)


class CrosserNetworkSerializer(StrictFieldsMixin, serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    name_there = serializers.CharField(source="as", help_text="The name this network gives them.")


class ScaleCrosserSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "organisation"])
    name = serializers.CharField()
    email = serializers.CharField(help_text="The e-mail they were matched by (people only).")
    key = serializers.CharField(help_text="What they were matched by: e-mail, or name folded to lower case.")
    confirmed = serializers.BooleanField(
        help_text="People matched by e-mail always; organisations once a steward confirmed the name match."
    )
    networks = CrosserNetworkSerializer(many=True)


class MatchConfirmSerializer(StrictFieldsMixin, serializers.Serializer):
    key = serializers.CharField(max_length=200, help_text="An organisation crosser's `key`.")


class MetaNodeSerializer(StrictFieldsMixin, serializers.Serializer):
    network = serializers.SlugField()
    name = serializers.CharField()
    sharing = serializers.ChoiceField(choices=Sharing.choices)
    members = serializers.IntegerField()
    ties = serializers.IntegerField()
    density = serializers.FloatField()


class MetaTieSerializer(StrictFieldsMixin, serializers.Serializer):
    a = serializers.SlugField()
    b = serializers.SlugField()
    shared_people = serializers.IntegerField(allow_null=True, help_text="Null unless both share people.")
    shared_organisations = serializers.IntegerField(
        allow_null=True, help_text="Null unless both share organisations."
    )


class AcrossSerializer(StrictFieldsMixin, serializers.Serializer):
    networks = serializers.IntegerField()
    members = serializers.IntegerField()
    ties = serializers.IntegerField()
    networks_sharing_people = serializers.IntegerField()
    networks_sharing_organisations = serializers.IntegerField()
    distinct_people = serializers.IntegerField()
    scale_crossing_people = serializers.IntegerField()
    scale_crossing_organisations = serializers.IntegerField()
    crossing_share = serializers.FloatField()


class MetaMapSerializer(StrictFieldsMixin, serializers.Serializer):
    nodes = MetaNodeSerializer(many=True)
    ties = MetaTieSerializer(many=True)
    across = AcrossSerializer()
