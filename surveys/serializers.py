"""REST representations of survey campaigns; writes go through surveys.services (see surveys.api)."""

from rest_framework import serializers

from clusters.serializers import NetworkPersonField
from surveys.models import Campaign, Invitation, Question
from weaver.lib.api import StrictModelSerializer, StrictSerializer


class SurveyQuestionSerializer(StrictModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "standard", "text", "tie_kind"]


class CampaignSerializer(StrictModelSerializer):
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "intro",
            "consent_text",
            "opens_at",
            "closes_at",
            "status",
            "visibility",
            "ask_trust_value",
            "ask_health",
            "remind_days_before",
            "reminded_at",
            "questions",
            "created_at",
        ]
        read_only_fields = ["status", "created_at", "reminded_at"]


class CampaignCreateSerializer(CampaignSerializer):
    standard_questions = serializers.ListField(
        child=serializers.ChoiceField(choices=["work", "advice", "energy"]),
        default=["work", "advice", "energy"],
        max_length=3,
        write_only=True,
    )
    custom_questions = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(max_length=300), min_length=2, max_length=2),
        default=list,
        max_length=20,
        write_only=True,
        help_text="[text, tie type] pairs.",
    )
    opens_at = serializers.DateTimeField(required=False)

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "standard_questions", "custom_questions"]

    def validate_standard_questions(self, value):
        return list(dict.fromkeys(value))


class StatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Campaign.Status.choices)


class SurveyInvitationSerializer(StrictModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    consent_at = serializers.SerializerMethodField()
    submitted_at = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "member",
            "member_name",
            "sent_at",
            "reminded_at",
            "revoked_at",
            "send_error",
            "consent_at",
            "submitted_at",
        ]

    def _response(self, obj):
        return getattr(obj, "response", None)

    def get_consent_at(self, obj) -> str | None:
        response = self._response(obj)
        return response.consent_at.isoformat() if response else None

    def get_submitted_at(self, obj) -> str | None:
        response = self._response(obj)
        return response.submitted_at.isoformat() if response and response.submitted_at else None


class InviteSerializer(StrictSerializer):
    members = serializers.ListField(child=NetworkPersonField(), max_length=5000, required=False)
    everyone = serializers.BooleanField(default=False, help_text="Invite every active person instead.")

    def validate(self, data):
        if not data.get("everyone") and not data.get("members"):
            raise serializers.ValidationError("Give members, or everyone: true.")
        return data


class NominationSerializer(StrictSerializer):
    question = serializers.IntegerField()
    member = serializers.IntegerField(allow_null=True)
    pending = serializers.CharField(allow_null=True)
    frequency = serializers.CharField()
    strength = serializers.IntegerField()
    trust_reliability = serializers.IntegerField(allow_null=True)
    trust_mission = serializers.IntegerField(allow_null=True)
    trust_openness = serializers.IntegerField(allow_null=True)
    value_power = serializers.IntegerField(allow_null=True)
    value_involvement = serializers.IntegerField(allow_null=True)
    value_resources = serializers.IntegerField(allow_null=True)


class ResponseSerializer(StrictSerializer):
    invitation = serializers.IntegerField()
    member = serializers.IntegerField()
    member_name = serializers.CharField()
    consent_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    nominations = NominationSerializer(many=True)


class HealthAreaSerializer(StrictSerializer):
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True)
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)


class MemberResultSerializer(StrictSerializer):
    member = serializers.IntegerField()
    name = serializers.CharField()
    energiser_nominations = serializers.IntegerField()
    trust = serializers.FloatField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    raters = serializers.IntegerField()
    trust_reliability = serializers.FloatField(allow_null=True, required=False)
    trust_mission = serializers.FloatField(allow_null=True, required=False)
    trust_openness = serializers.FloatField(allow_null=True, required=False)
    value_power = serializers.FloatField(allow_null=True, required=False)
    value_involvement = serializers.FloatField(allow_null=True, required=False)
    value_resources = serializers.FloatField(allow_null=True, required=False)


class ResultsSerializer(StrictSerializer):
    invited = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    reciprocity = serializers.FloatField(allow_null=True)
    average_trust = serializers.FloatField(allow_null=True)
    average_value = serializers.FloatField(allow_null=True)
    health = serializers.DictField(child=HealthAreaSerializer())
    members = MemberResultSerializer(many=True, required=False, help_text="Coordinators only.")
