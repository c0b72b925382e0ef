"""REST representations of learning clusters. Serializers validate and represent; writes go through
clusters.services (see clusters.api). Related objects are looked up in the request's network only,
and clusters among those the caller may see, so anything else is a 400."""

from django.contrib.auth import get_user_model
from django.db.models.manager import BaseManager
from rest_framework import serializers

from clusters.models import (
    AdviceItem,
    Attendance,
    ClusterParticipant,
    ClusterPerson,
    ClusterSession,
    FollowUp,
    LearningCluster,
    Lesson,
    PeerAssist,
    PeerAssistQuestion,
)
from clusters.permissions import clusters_for_user
from clusters.selectors import cluster_warnings, participant_communities, peer_assist_warnings
from networks.models import Member, Role
from networks.selectors import role_holders
from networks.serializers import TagListField
from weaver.lib.api import StrictModelSerializer, StrictSerializer


def _network(context):
    return context.get("network")


class NetworkPersonField(serializers.PrimaryKeyRelatedField):
    # Only names the model for the schema; get_queryset scopes the lookups to the network.
    queryset = Member.objects.none()

    def get_queryset(self):
        network = _network(self.context)
        return Member.objects.filter(network=network).people() if network else Member.objects.none()


class NetworkOrganisationField(serializers.PrimaryKeyRelatedField):
    # Only names the model for the schema; get_queryset scopes the lookups to the network.
    queryset = Member.objects.none()

    def get_queryset(self):
        network = _network(self.context)
        return Member.objects.filter(network=network).organisations() if network else Member.objects.none()


class NetworkFacilitatorField(serializers.PrimaryKeyRelatedField):
    """A user id, accepted only for logins holding the facilitator role in the request's network."""

    queryset = get_user_model().objects.none()
    default_error_messages = {
        "does_not_exist": "No facilitator of this network has id {pk_value}: a coordinator gives the role "
        "at access/ first.",
    }

    def get_queryset(self):
        network = _network(self.context)
        return role_holders(network=network, role=Role.FACILITATOR) if network else self.queryset


class VisibleClusterField(serializers.PrimaryKeyRelatedField):
    # Only names the model for the schema; get_queryset scopes the lookups to the network.
    queryset = LearningCluster.objects.none()

    def get_queryset(self):
        network, request = _network(self.context), self.context.get("request")
        if network is None or request is None:
            return LearningCluster.objects.none()
        return clusters_for_user(request.user, network)


class NetworkParticipantField(serializers.PrimaryKeyRelatedField):
    # Only names the model for the schema; get_queryset scopes the lookups to the network.
    queryset = ClusterParticipant.objects.none()

    def get_queryset(self):
        network = _network(self.context)
        return ClusterParticipant.objects.filter(cluster__network=network).select_related("organisation")


class NetworkSessionField(serializers.PrimaryKeyRelatedField):
    # Only names the model for the schema; get_queryset scopes the lookups to the network.
    queryset = ClusterSession.objects.none()

    def get_queryset(self):
        network, request = _network(self.context), self.context.get("request")
        if network is None or request is None:
            return ClusterSession.objects.none()
        return ClusterSession.objects.filter(cluster__in=clusters_for_user(request.user, network))


class NetworkPeerAssistField(serializers.PrimaryKeyRelatedField):
    # Only names the model for the schema; get_queryset scopes the lookups to the network.
    queryset = PeerAssist.objects.none()

    def get_queryset(self):
        network = _network(self.context)
        return PeerAssist.objects.filter(session__cluster__network=network)


class ParticipantSerializer(StrictModelSerializer):
    name = serializers.CharField(read_only=True)
    community = serializers.CharField(source="effective_community", read_only=True)

    class Meta:
        model = ClusterParticipant
        fields = ["id", "organisation", "name", "community"]


class ClusterPersonSerializer(StrictModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = ClusterPerson
        fields = ["id", "person", "name", "participant"]


def _participants(cluster: LearningCluster) -> list[ClusterParticipant]:
    """The cluster's participants with their organisations: as prefetched by clusters.api, else read."""
    if "participants" in getattr(cluster, "_prefetched_objects_cache", {}):
        return list(cluster.participants.all())
    return list(cluster.participants.select_related("organisation"))


class ClusterListSerializer(serializers.ListSerializer):
    """Reads the communities of every listed cluster's participants at once, for their warnings."""

    def to_representation(self, data):
        clusters = list(data.all() if isinstance(data, BaseManager) else data)
        network = _network(self.context)
        if network is not None:
            participants = [p for cluster in clusters for p in _participants(cluster)]
            self.context["participant_communities"] = participant_communities(
                network=network, participants=participants
            )
        return super().to_representation(clusters)


class ClusterSerializer(StrictModelSerializer):
    strategy_tags = TagListField(required=False, help_text="Tag names of the strategies; replaced when sent.")
    facilitators = NetworkFacilitatorField(
        many=True,
        required=False,
        help_text="User ids of the facilitators: logins holding the facilitator role in the network.",
    )
    organisations = NetworkOrganisationField(
        many=True,
        required=False,
        write_only=True,
        help_text="On creation: ids of the organisations taking part.",
    )
    participants = ParticipantSerializer(many=True, read_only=True)
    people = ClusterPersonSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField(help_text="Rule warnings (size 6–12, one community only).")

    class Meta:
        model = LearningCluster
        fields = [
            "id",
            "name",
            "description",
            "strategy_tags",
            "facilitators",
            "starts_on",
            "ends_on",
            "status",
            "learning_ties_enabled",
            "organisations",
            "participants",
            "people",
            "warnings",
            "from_round",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["from_round", "created_at", "updated_at"]
        list_serializer_class = ClusterListSerializer

    def get_warnings(self, cluster: LearningCluster) -> list[str]:
        return cluster_warnings(
            cluster=cluster,
            participants=_participants(cluster),
            communities=self.context.get("participant_communities"),
        )


class ParticipantAddSerializer(StrictSerializer):
    organisation = NetworkOrganisationField(
        required=False, allow_null=True, help_text="An organisation's id."
    )
    project_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    community = serializers.CharField(max_length=120, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("organisation") and not attrs.get("project_name", "").strip():
            raise serializers.ValidationError("Give an organisation or a local project's name.")
        return attrs


class PersonAddSerializer(StrictSerializer):
    person = NetworkPersonField()
    participant = NetworkParticipantField(required=False, allow_null=True)


class CandidateSerializer(StrictSerializer):
    organisation_id = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.CharField(help_text="Typed in on the organisation, else detected (see below).")
    matched_tags = serializers.ListField(child=serializers.CharField())
    rank = serializers.IntegerField()
    new_pairs = serializers.IntegerField(help_text="Organisations already picked that it is not yet tied to.")
    tied_with = serializers.ListField(child=serializers.CharField())
    new_community = serializers.BooleanField()
    community_detected = serializers.BooleanField(
        help_text="True when the organisation has no community typed in and `community` is the one the "
        "latest metrics snapshot detected from the ties."
    )
    reason = serializers.CharField()


class NetworkEffectSerializer(StrictSerializer):
    snapshot = serializers.IntegerField(source="snapshot.pk", help_text="The latest done snapshot.")
    learning_ties = serializers.IntegerField(help_text="The cluster's active learning ties.")
    learning_ties_across_communities = serializers.IntegerField(
        help_text="Of them, ties joining members of different detected communities in that snapshot."
    )
    learning_ties_unplaced = serializers.IntegerField(help_text="Ties newer than that snapshot.")
    baseline = serializers.IntegerField(
        source="baseline.pk", allow_null=True, help_text="The last snapshot before the cluster started."
    )
    new_ties = serializers.SerializerMethodField(help_text="New ties among the cluster's members since then.")
    triangles_closed = serializers.SerializerMethodField()

    def get_new_ties(self, effect) -> int | None:
        return len(effect["change"]["new_ties"]) if effect["change"] else None

    def get_triangles_closed(self, effect) -> int | None:
        return len(effect["change"]["triangles_closed"]) if effect["change"] else None


class ClusterStatsSerializer(StrictSerializer):
    sessions = serializers.IntegerField()
    sessions_held = serializers.IntegerField(help_text="Sessions whose start time has passed.")
    people = serializers.IntegerField(help_text="The people taking part in the cluster now.")
    attendance_records = serializers.IntegerField(help_text="Attendance rows recorded, ticked or not.")
    attendance_expected = serializers.IntegerField(help_text="people × sessions_held.")
    attended = serializers.IntegerField(
        help_text="Of those (person, session held) pairs, the ones ticked as attended."
    )
    attendance_rate = serializers.FloatField(
        allow_null=True,
        help_text="attended / attendance_expected: anyone not ticked counts as absent. "
        "Null before a session is held or with nobody in the cluster.",
    )
    peer_assists = serializers.IntegerField(help_text="Peer assists in sessions already held.")
    follow_ups = serializers.IntegerField()
    follow_ups_done = serializers.IntegerField()
    ties_created = serializers.IntegerField()
    ties_strengthened = serializers.IntegerField()
    ties_created_across_communities = serializers.IntegerField(
        allow_null=True,
        help_text="Of ties_created, those joining members the latest done snapshot put in different "
        "detected communities (not the communities typed in on members). Null before the first snapshot.",
    )
    ties_created_unplaced = serializers.IntegerField(
        help_text="Of ties_created, those with an end that snapshot has no community for (newer than it); "
        "0 without a snapshot."
    )
    network_map = NetworkEffectSerializer(
        allow_null=True, help_text="From the metrics snapshots; null before the first one is done."
    )


class FromRoundSerializer(StrictSerializer):
    round = serializers.IntegerField(help_text="The id of a fund round of this network with funded projects.")


class AttendanceSerializer(StrictModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["person", "name", "attended"]


class SessionSerializer(StrictModelSerializer):
    cluster = VisibleClusterField()
    attendance = AttendanceSerializer(many=True, read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = ClusterSession
        fields = [
            "id",
            "cluster",
            "title",
            "starts_at",
            "duration_minutes",
            "ends_at",
            "mode",
            "location",
            "link",
            "agenda",
            "notes",
            "sequence",
            "attendance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["sequence", "created_at", "updated_at"]


class SessionUpdateSerializer(SessionSerializer):
    cluster = serializers.PrimaryKeyRelatedField(read_only=True)


class AttendanceRecordSerializer(StrictSerializer):
    attended = NetworkPersonField(many=True, required=False, help_text="Ids of the people who came.")
    absent = NetworkPersonField(many=True, required=False, help_text="Ids of the people who did not.")


class AttendanceOutcomeSerializer(StrictSerializer):
    attendance = AttendanceSerializer(many=True)
    ties_created = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of new learning ties."
    )
    ties_strengthened = serializers.ListField(child=serializers.IntegerField())
    ties_ended = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ties only this session made, ended by unticking someone."
    )
    ties_weakened = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ties that lost this session's step by unticking someone."
    )


class InvitationSerializer(StrictSerializer):
    invited = serializers.IntegerField(help_text="How many people the invitation is being emailed to.")


class QuestionSerializer(StrictModelSerializer):
    asked_by = NetworkPersonField(required=False, allow_null=True)

    class Meta:
        model = PeerAssistQuestion
        fields = ["id", "text", "asked_by", "created_at"]
        read_only_fields = ["created_at"]


class AdviceSerializer(StrictModelSerializer):
    given_by = NetworkPersonField(required=False, allow_null=True)

    class Meta:
        model = AdviceItem
        fields = ["id", "text", "given_by", "created_at"]
        read_only_fields = ["created_at"]


class FollowUpSerializer(StrictModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.none(), required=False, allow_null=True, help_text="A member's id."
    )

    class Meta:
        model = FollowUp
        fields = ["id", "peer_assist", "action", "owner", "due_on", "status", "closed_at", "created_at"]
        read_only_fields = ["peer_assist", "status", "closed_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        network = _network(self.context)
        if network is not None:
            self.fields["owner"].queryset = Member.objects.filter(network=network)


class FollowUpStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=FollowUp.Status.choices)


class PeerAssistSerializer(StrictModelSerializer):
    session = NetworkSessionField()
    presenter = NetworkParticipantField(help_text="The id of the presenting participant of the cluster.")
    presenter_name = serializers.CharField(source="presenter.name", read_only=True)
    assisting = NetworkPersonField(many=True, required=False, help_text="Ids of the assisting people.")
    questions = QuestionSerializer(many=True, read_only=True)
    advice = AdviceSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField(help_text="A warning when the assisting group is not 5–12.")

    class Meta:
        model = PeerAssist
        fields = [
            "id",
            "session",
            "presenter",
            "presenter_name",
            "challenge",
            "assisting",
            "questions",
            "advice",
            "follow_ups",
            "warnings",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_warnings(self, peer_assist: PeerAssist) -> list[str]:
        return peer_assist_warnings(peer_assist=peer_assist)


class PeerAssistUpdateSerializer(PeerAssistSerializer):
    session = serializers.PrimaryKeyRelatedField(read_only=True)


class LessonSerializer(StrictModelSerializer):
    cluster = VisibleClusterField()
    tags = TagListField(required=False)
    peer_assist = NetworkPeerAssistField(required=False, allow_null=True)
    author = serializers.StringRelatedField()

    class Meta:
        model = Lesson
        fields = ["id", "cluster", "text", "tags", "peer_assist", "author", "created_at"]
        read_only_fields = ["author", "created_at"]
