"""REST shapes of metric snapshots, member metrics, suggestions and graph exports (views: api_metrics).

Snapshots store their figures as JSON; these serializers describe that JSON field by field for the
OpenAPI schema. The hot list (metrics/members/) is rendered from `.values()` rows by the view, not by
these classes, so they only document it; the small answers are rendered through them.
"""

import django_filters
from django import forms
from django.db import connections, models
from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from networks import metrics
from networks.models import Member, MemberMetric, MemberViewMetric, Snapshot
from networks.serializers import NetworkMemberField
from weaver.lib.api import StrictSerializer

TIMINGS_HELP = (
    "Seconds per stage (read, each stage of the all-members view, all_view, people_view, "
    "organisations_view, layout, write) and total, the whole computation."
)


class SuggestionKind(models.TextChoices):
    INTRODUCE = "introduce", "Introduce two members who share contacts"
    BRIDGE_COMMUNITIES = "bridge_communities", "Bridge two communities"
    RELIEVE_HUB = "relieve_hub", "Relieve a hub: introduce their contacts"
    CONNECT_PERIPHERY = "connect_periphery", "Connect a member on the periphery"


SUGGESTION_KINDS = SuggestionKind.choices
ROLE_CHOICES = [(role, role.replace("_", " ")) for role in metrics.ROLES]
PG_INT_MIN, PG_INT_MAX = -(2**31), 2**31 - 1


class NetworkFiguresSerializer(StrictSerializer):
    """The per-network figures of one view (all members, people only, organisations only)."""

    members = serializers.IntegerField()
    people = serializers.IntegerField()
    organisations = serializers.IntegerField()
    ties = serializers.IntegerField()
    density = serializers.FloatField(help_text="Share of all possible ties that exist (0–1).")
    components = serializers.IntegerField(help_text="Separate parts of the network.")
    largest_component_share = serializers.FloatField()
    average_clustering = serializers.FloatField()
    transitivity = serializers.FloatField()
    average_path_length = serializers.FloatField(
        allow_null=True, help_text="Largest component; null when it has no ties. See method."
    )
    diameter = serializers.IntegerField(allow_null=True, help_text="Largest component. See method.")
    communities = serializers.IntegerField()
    modularity = serializers.FloatField(allow_null=True)
    degree_centralisation = serializers.FloatField()
    triangles = serializers.IntegerField()
    open_triads = serializers.IntegerField(help_text="Paths a–c–b with a and b not tied, counted per c.")
    unclosed_pairs = serializers.IntegerField(help_text="Pairs not tied who share at least one contact.")
    bridges = serializers.IntegerField()
    gatekeepers = serializers.IntegerField()
    isolates = serializers.IntegerField()
    peripheral = serializers.IntegerField()
    periphery_share = serializers.FloatField(help_text="(peripheral + isolated members) / members.")
    hubs = serializers.IntegerField()
    brokers = serializers.IntegerField()


class KeyFiguresSerializer(StrictSerializer):
    """The figures a history chart plots."""

    members = serializers.IntegerField()
    ties = serializers.IntegerField()
    density = serializers.FloatField()
    average_clustering = serializers.FloatField()
    unclosed_pairs = serializers.IntegerField()
    periphery_share = serializers.FloatField()
    communities = serializers.IntegerField()


KEY_FIGURES = list(KeyFiguresSerializer().fields)


class SnapshotMethodSerializer(StrictSerializer):
    betweenness = serializers.CharField(help_text='"exact" or "sampled".')
    k = serializers.IntegerField(allow_null=True, help_text="Pivots sampled; null when exact.")
    seed = serializers.IntegerField()
    exact_threshold = serializers.IntegerField(help_text="Largest network computed exactly.")
    closeness = serializers.CharField()
    average_path_length = serializers.CharField()
    diameter = serializers.CharField()
    communities = serializers.CharField()
    libraries = serializers.DictField(child=serializers.CharField(), help_text="Library versions.")


class ViewFiguresSerializer(NetworkFiguresSerializer):
    """The per-network figures of the people-only or organisations-only view, and how they were computed."""

    method = SnapshotMethodSerializer(
        required=False,
        help_text="Exact or sampled betweenness, k and seed, for this view (absent from snapshots "
        "computed before views recorded it).",
    )


class ViewsFiguresSerializer(StrictSerializer):
    people = ViewFiguresSerializer(help_text="People only, with the ties between them.")
    organisations = ViewFiguresSerializer(
        help_text="Organisations only: their ties plus people's ties projected onto their organisations."
    )


class MetricsSerializer(StrictSerializer):
    snapshot = serializers.IntegerField(help_text="Id of the snapshot these figures come from.")
    finished_at = serializers.DateTimeField()
    method = SnapshotMethodSerializer()
    timings = serializers.DictField(child=serializers.FloatField(), help_text=TIMINGS_HELP)
    network = NetworkFiguresSerializer(help_text="All members.")
    views = ViewsFiguresSerializer()


class MemberMetricSerializer(StrictSerializer):
    member = serializers.IntegerField(help_text="The member's id.")
    label = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Member.Kind.choices)
    degree = serializers.IntegerField()
    betweenness = serializers.FloatField()
    closeness = serializers.FloatField()
    clustering = serializers.FloatField()
    core_number = serializers.IntegerField()
    community = serializers.IntegerField(allow_null=True, help_text="Null for isolated members.")
    reach2 = serializers.IntegerField(help_text="Members within two steps.")
    constraint = serializers.FloatField(allow_null=True)
    effective_size = serializers.FloatField(allow_null=True)
    is_gatekeeper = serializers.BooleanField()
    triangles = serializers.IntegerField()
    open_triads = serializers.IntegerField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES))
    explanation = serializers.CharField(allow_blank=True)
    x = serializers.FloatField(allow_null=True, help_text="Map position.")
    y = serializers.FloatField(allow_null=True)


MEMBER_METRIC_FIELDS = [
    "degree",
    "betweenness",
    "closeness",
    "clustering",
    "core_number",
    "community",
    "reach2",
    "constraint",
    "effective_size",
    "is_gatekeeper",
    "triangles",
    "open_triads",
]
NULLABLE = {"community", "constraint", "effective_size"}


class MemberMetricOrdering(django_filters.OrderingFilter):
    """Sort by one metric; ties are broken by member id, in the direction the indexes are built for.

    The (snapshot, -degree, member) and (snapshot, -betweenness, member) indexes serve "-degree" (and
    "degree", scanned backwards) directly; nullable metrics keep their nulls last in either direction.
    """

    def filter(self, qs, value):
        field = (value or ["-degree"])[0]
        descending = field.startswith("-")
        name = self.param_map[field.lstrip("-")]
        column = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        if name not in NULLABLE:
            column = F(name).desc() if descending else F(name).asc()
        tie_break = F("member_id").asc() if descending else F("member_id").desc()
        return qs.order_by(column, tie_break)


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class MemberMetricFilter(django_filters.FilterSet):
    """Filters of metrics/members/, on MemberMetric rows (all members) or MemberViewMetric rows (a view)."""

    view = django_filters.ChoiceFilter(
        choices=[("all", "All members"), *MemberViewMetric.View.choices],
        method="in_view",
        label="Whose figures: all (default), people or organisations (that view's graph)",
    )
    role = django_filters.ChoiceFilter(choices=ROLE_CHOICES, method="with_role", label="Role")
    community = IntegerFilter(
        field_name="community",
        min_value=PG_INT_MIN,
        max_value=PG_INT_MAX,
        label="Detected community id",
    )
    kind = django_filters.ChoiceFilter(field_name="member__kind", choices=Member.Kind.choices, label="Type")
    ordering = MemberMetricOrdering(
        fields=[(name, name) for name in MEMBER_METRIC_FIELDS]
        + [("member__name", "label"), ("member", "member")],
        label="Sort by (prefix - for descending; default -degree)",
    )

    class Meta:
        model = MemberMetric
        fields = ["view", "role", "community", "kind"]

    def in_view(self, queryset, name, value):
        return queryset  # the view picks the rows the queryset starts from (MemberMetricViewSet)

    def with_role(self, queryset, name, value):
        # roles is a JSON list. JSON containment (@>) is PostgreSQL-only (and twice as fast there as
        # matching text); elsewhere the JSON text holds each role quoted, so a quoted substring is exact.
        if connections[queryset.db].vendor == "postgresql":
            return queryset.filter(roles__contains=[value])
        return queryset.filter(roles__icontains=f'"{value}"')


class MemberViewMetricFilter(MemberMetricFilter):
    class Meta(MemberMetricFilter.Meta):
        model = MemberViewMetric


class SuggestionSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=SUGGESTION_KINDS)
    a = serializers.IntegerField(help_text="Member id (the smaller of the two).")
    b = serializers.IntegerField(help_text="Member id.")
    a_label = serializers.CharField()
    b_label = serializers.CharField()
    shared = serializers.ListField(child=serializers.IntegerField(), help_text="Contacts they share (ids).")
    shared_labels = serializers.ListField(child=serializers.CharField())
    score = serializers.FloatField(help_text="Shared contacts, community size or degree, by kind.")
    reason = serializers.CharField(help_text="Why, in plain words.")
    adamic_adar = serializers.FloatField(required=False, help_text="introduce only.")
    communities = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="bridge_communities only."
    )
    hub = serializers.IntegerField(required=False, help_text="relieve_hub only: the hub's id.")
    peripheral = serializers.IntegerField(required=False, help_text="connect_periphery only.")


class SuggestionQuerySerializer(serializers.Serializer):
    """Query parameters (not a body): the page's own parameters are not its fields."""

    kind = serializers.ChoiceField(choices=SUGGESTION_KINDS, required=False)
    member = serializers.IntegerField(required=False, help_text="Only suggestions involving this member.")


@extend_schema_field(OpenApiTypes.INT)
class MemberIdField(NetworkMemberField):
    """A member id of the request's network (typed for the schema, which has no model to look at)."""


class SuggestionAnswerSerializer(StrictSerializer):
    a = MemberIdField(help_text="Id of one member of the pair.")
    b = MemberIdField(help_text="Id of the other member.")
    kind = serializers.ChoiceField(choices=SUGGESTION_KINDS, default="introduce")

    def validate(self, attrs):
        if attrs["a"].pk == attrs["b"].pk:
            raise serializers.ValidationError("A suggestion needs two different members.", code="invalid")
        return attrs


class SuggestionAcceptSerializer(SuggestionAnswerSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SuggestionDecisionSerializer(StrictSerializer):
    a = serializers.IntegerField(source="member_a_id")
    b = serializers.IntegerField(source="member_b_id")
    kind = serializers.CharField()
    decision = serializers.CharField(help_text='"accepted" or "dismissed".')
    decided_at = serializers.DateTimeField()
    relationship = serializers.IntegerField(
        source="relationship_id", allow_null=True, help_text="The tie an accepted suggestion created."
    )


class SnapshotSerializer(StrictSerializer):
    """A snapshot in the history: where it stands, and its key figures once done."""

    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Poll this address to follow the computation.")
    status = serializers.ChoiceField(choices=Snapshot.Status.choices)
    progress = serializers.IntegerField(help_text="0–100.")
    stage = serializers.CharField(allow_blank=True, help_text="What it is doing; “worker lost, retrying”.")
    worker_lost = serializers.BooleanField(
        help_text="Running, but the worker computing it stopped answering: it is being sent to another."
    )
    trigger = serializers.ChoiceField(choices=Snapshot.Trigger.choices)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    figures = KeyFiguresSerializer(allow_null=True, help_text="Null until done.")


class BridgeSerializer(StrictSerializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    a_label = serializers.CharField()
    b_label = serializers.CharField()


class LabelledMemberSerializer(StrictSerializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class CommunitySerializer(StrictSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    size = serializers.IntegerField()
    ties_inside = serializers.IntegerField()
    top_members = serializers.ListField(child=serializers.IntegerField(), help_text="Best-connected ids.")


class SnapshotDetailSerializer(SnapshotSerializer):
    """Everything a done snapshot holds apart from the per-member rows (see metrics/members/)."""

    figures = NetworkFiguresSerializer(allow_null=True, help_text="All members; null until done.")
    method = SnapshotMethodSerializer(allow_null=True)
    timings = serializers.DictField(child=serializers.FloatField(), help_text=TIMINGS_HELP)
    views = ViewsFiguresSerializer(allow_null=True)
    bridges = BridgeSerializer(many=True)
    gatekeepers = LabelledMemberSerializer(many=True)
    communities = CommunitySerializer(many=True)
    suggestions = SuggestionSerializer(many=True)


class GraphNodeSerializer(StrictSerializer):
    """A node of graph.json; metric attributes are absent when there is no snapshot or no value."""

    id = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=Member.Kind.choices)
    community_label = serializers.CharField(allow_blank=True, help_text="The member's own community field.")
    organisations = serializers.CharField(allow_blank=True, help_text="Organisation ids joined by |.")
    degree = serializers.IntegerField(required=False)
    betweenness = serializers.FloatField(required=False)
    closeness = serializers.FloatField(required=False)
    clustering = serializers.FloatField(required=False)
    core_number = serializers.IntegerField(required=False)
    community = serializers.IntegerField(required=False)
    reach2 = serializers.IntegerField(required=False)
    constraint = serializers.FloatField(required=False)
    effective_size = serializers.FloatField(required=False)
    is_gatekeeper = serializers.BooleanField(required=False)
    triangles = serializers.IntegerField(required=False)
    open_triads = serializers.IntegerField(required=False)
    roles = serializers.CharField(required=False, allow_blank=True, help_text="Roles joined by |.")
    x = serializers.FloatField(required=False)
    y = serializers.FloatField(required=False)


class GraphLinkSerializer(StrictSerializer):
    source = serializers.IntegerField()
    target = serializers.IntegerField()
    weight = serializers.IntegerField(help_text="The strongest tie between the two, 1–5.")


class GraphAttributesSerializer(StrictSerializer):
    name = serializers.CharField()
    snapshot = serializers.IntegerField(required=False, help_text="Snapshot the metrics come from.")


class NodeLinkSerializer(StrictSerializer):
    """networkx node-link data (`nx.node_link_graph(data, edges="links")` reads it back)."""

    directed = serializers.BooleanField()
    multigraph = serializers.BooleanField()
    graph = GraphAttributesSerializer()
    nodes = GraphNodeSerializer(many=True)
    links = GraphLinkSerializer(many=True)
