"""REST API for metric snapshots, member metrics, weaving suggestions and graph exports.

Same rules as networks.api (whose NetworkScopedViewSet these views extend): the network in the URL is
resolved once through networks.permissions, outsiders get 404, writes need a coordinator (403).
Everything is read from stored snapshots, never computed on request; a recompute only queues one.
Snapshot rows carry large JSON columns (per-member rows of the people and organisations views,
suggestions), so each view loads only the columns it answers with.
"""

import networkx as nx
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from networks import metrics, services
from networks.api import NetworkScopedViewSet
from networks.cached_reads import CachedRead, cached_read, normalised_query
from networks.models import Member, MemberMetric, MemberViewMetric, Network, Snapshot, SuggestionDecision
from networks.selectors import network_graph_rows, snapshots_done
from networks.serializers_metrics import (
    KEY_FIGURES,
    MEMBER_METRIC_FIELDS,
    MemberMetricFilter,
    MemberMetricSerializer,
    MemberViewMetricFilter,
    MetricsSerializer,
    NodeLinkSerializer,
    SnapshotDetailSerializer,
    SnapshotSerializer,
    SuggestionAcceptSerializer,
    SuggestionAnswerSerializer,
    SuggestionDecisionSerializer,
    SuggestionQuerySerializer,
    SuggestionSerializer,
)
from networks.snapshots import snapshot_request, snapshot_resume, snapshot_worker_lost
from weaver.lib.api import NoBodySerializer, service_errors

NO_SNAPSHOT = (
    "This network's metrics have not been computed yet. "
    "POST to its metrics/recompute/ (coordinators) and poll the snapshot it returns."
)
GEXF = "application/gexf+xml"
GRAPHML = "application/graphml+xml"


class SnapshotReadingViewSet(NetworkScopedViewSet):
    """A network's snapshot reads: in-process, a snapshot whose debounce has passed is computed first.

    A view naming `cached_as` answers its GETs through networks.cached_reads: stored bytes after one
    query, or on a miss the usual rendering (with the user, network and snapshot that query found), kept.
    """

    cached_as: str | None = None
    cached_params: frozenset[str] = frozenset()
    cached_with_live_rows = False  # the answer also shows members' names or ties as they are now
    cached_with_answers = False  # the answer leaves out the suggestions already answered
    cached_read: CachedRead | None = None

    def cached_read_for(self, request, **kwargs) -> CachedRead | None:
        accept = request.META.get("HTTP_ACCEPT", "")
        if self.cached_as is None or "text/html" in accept:
            return None  # the browsable API renders per request
        query = normalised_query(request, self.cached_params)
        if query is None:
            return None
        return cached_read(
            request,
            slug=kwargs["network_slug"],
            name=self.cached_as,
            query=query,
            live=self.cached_with_live_rows,
            decisions=self.cached_with_answers,
        )

    def dispatch(self, request, *args, **kwargs):
        self.cached_read = self.cached_read_for(request, **kwargs)
        if self.cached_read is not None:
            stored = self.cached_read.answer(request)
            if stored is not None:
                return stored
        response = super().dispatch(request, *args, **kwargs)
        return self.cached_read.keep(request, response) if self.cached_read is not None else response

    def initial(self, request, *args, **kwargs):
        if self.cached_read is not None:
            # Found by the cached read's query: authenticating and resolving again would repeat it.
            reader = self.cached_read.reader
            request.user = reader.user
            reader.user._weaver_roles = {reader.network.pk: set(reader.roles)}
            self.__dict__["network"] = reader.network
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and not self.is_schema_view:
            snapshot_resume(network=self.network)

    def current_snapshot_id(self) -> int | None:
        if self.cached_read is not None:
            return self.cached_read.reader.snapshot_id
        return _current_snapshot_id(self.network)


def _current_snapshot_id(network: Network) -> int | None:
    return snapshots_done(network=network).values_list("id", flat=True).first()


VIEW_NAMES = ("people", "organisations")


def _views(figures: dict) -> dict:
    """Each view's figures with its method (exact or sampled, k, seed); null for a view not computed."""
    return {name: figures.get(name) for name in VIEW_NAMES}


def _snapshot_url(request, network: Network, snapshot_id: int) -> str:
    return request.build_absolute_uri(
        reverse("api-snapshot-detail", kwargs={"network_slug": network.slug, "pk": snapshot_id})
    )


SUMMARY_COLUMNS = [
    "id",
    "status",
    "progress",
    "stage",
    "trigger",
    "error",
    "created_at",
    "started_at",
    "finished_at",
    "figures",
    "heartbeat_at",
]

WORKER_LOST_STAGE = "worker lost, retrying"


def _summary(row: dict, request, network: Network) -> dict:
    """A snapshot row (from .values(*SUMMARY_COLUMNS)) as SnapshotSerializer's shape."""
    done = row["status"] == Snapshot.Status.DONE
    figures = row.pop("figures")
    lost = snapshot_worker_lost(
        network_id=network.pk, status=row["status"], heartbeat_at=row.pop("heartbeat_at")
    )
    return {
        **row,
        "worker_lost": lost,
        "stage": WORKER_LOST_STAGE if lost else row["stage"],
        "url": _snapshot_url(request, network, row["id"]),
        "figures": {name: figures.get(name) for name in KEY_FIGURES} if done else None,
    }


@extend_schema(tags=["metrics"])
class MetricsViewSet(SnapshotReadingViewSet):
    """The latest computed figures of a network, and the recompute action."""

    filter_backends: list = []
    cached_as = "metrics"

    def get_serializer_class(self):
        return MetricsSerializer if self.action == "summary" else NoBodySerializer

    @extend_schema(
        summary="The network's latest metrics",
        description="Figures of the latest done snapshot (all members, people only, organisations only), "
        "how they were computed and how long it took. 404 until a snapshot is done.",
        responses=MetricsSerializer,
    )
    def summary(self, request, *args, **kwargs):
        snapshot_id = self.current_snapshot_id()
        if snapshot_id is None:
            raise NotFound(NO_SNAPSHOT)
        row = (
            Snapshot.objects.filter(pk=snapshot_id)
            .values("id", "finished_at", "method", "timings", "figures", "view_figures")
            .first()
        )
        if row is None:
            raise NotFound(NO_SNAPSHOT)
        data = {
            "snapshot": row["id"],
            "finished_at": row["finished_at"],
            "method": row["method"],
            "timings": row["timings"],
            "network": row["figures"],
            "views": _views(row["view_figures"]),
        }
        # The stored JSON as it is (MetricsSerializer documents it): a key an older computation did not
        # write is absent from the answer rather than an error.
        return Response(data)

    @extend_schema(
        summary="Recompute the network's metrics (coordinators)",
        description="Queues a snapshot (or joins the one already queued) and answers at once with its id; "
        "poll the Location address to follow its progress.",
        request=None,
        responses={202: SnapshotSerializer},
    )
    def recompute(self, request, *args, **kwargs):
        return snapshot_requested(request, self.network)


def snapshot_requested(request, network: Network) -> Response:
    """Queue a snapshot through networks.snapshots and answer 202 with where to poll it."""
    snapshot = snapshot_request(network=network, trigger=Snapshot.Trigger.API, user=request.user)
    row = Snapshot.objects.filter(pk=snapshot.pk).values(*SUMMARY_COLUMNS).get()
    data = SnapshotSerializer(_summary(row, request, network)).data
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


MEMBER_COLUMNS = ["member_id", *MEMBER_METRIC_FIELDS, "roles", "explanation", "x", "y"]


@extend_schema(tags=["metrics"])
@extend_validation_errors(["invalid_choice"], field_name="view", actions=["list"])
@extend_schema_view(
    list=extend_schema(
        summary="Members' metrics in the latest snapshot",
        description="One row per member, sorted by any metric (`?ordering=-betweenness`; ties broken by "
        "member id), filtered by role, detected community or type. `?view=people` or "
        "`?view=organisations` gives each member's figures in that view (computed on the people-only or "
        "organisations-only graph; map positions are the all-members map's). 404 until a snapshot is done.",
    )
)
class MemberMetricViewSet(mixins.ListModelMixin, SnapshotReadingViewSet):
    serializer_class = MemberMetricSerializer
    filter_backends = [DjangoFilterBackend]
    cached_as = "metric-members"
    cached_params = frozenset({"view", "role", "community", "kind", "ordering", "page", "page_size"})
    cached_with_live_rows = True

    @property
    def filterset_class(self):
        if self.is_schema_view or self.graph_view == "all":
            return MemberMetricFilter
        return MemberViewMetricFilter

    @property
    def graph_view(self) -> str:
        # An unknown view is refused (400) by MemberMetricFilter; until then it reads as all members.
        view = self.request.query_params.get("view", "all")
        return view if view in MemberViewMetric.View.values else "all"

    def get_queryset(self):
        if self.is_schema_view:
            return MemberMetric.objects.none()
        snapshot_id = self.current_snapshot_id()
        if snapshot_id is None:
            raise NotFound(NO_SNAPSHOT)
        if self.graph_view == "all":
            return MemberMetric.objects.filter(snapshot_id=snapshot_id)
        return MemberViewMetric.objects.filter(snapshot_id=snapshot_id, view=self.graph_view)

    def list(self, request, *args, **kwargs):
        # .values() rows straight to JSON: a ModelSerializer per row costs ~3x the time. The member's
        # name, email and type are joined in the page's query only: the paginator's COUNT, made
        # before the join, stays on the snapshot's own rows (with the join it costs ~10x).
        queryset = self.filter_queryset(self.get_queryset())
        in_view = self.graph_view != "all"
        columns = [c for c in MEMBER_COLUMNS if c not in ("x", "y")] if in_view else MEMBER_COLUMNS
        if in_view:
            # The view's members sit where the all-members map put them.
            placed = MemberMetric.objects.filter(
                snapshot_id=OuterRef("snapshot_id"), member_id=OuterRef("member_id")
            )
            queryset = queryset.annotate(
                x=Subquery(placed.values("x")[:1]), y=Subquery(placed.values("y")[:1])
            )
            columns += ["x", "y"]
        rows = queryset.values(
            *columns, label=F("member__name"), email=F("member__email"), kind=F("member__kind")
        )
        page = self.paginate_queryset(CountedRows(rows, count=queryset.order_by().count))
        return self.get_paginated_response([{"member": row.pop("member_id"), **row} for row in page])


class CountedRows:
    """Rows whose count is taken from a cheaper query (the paginator asks for it first)."""

    def __init__(self, rows, *, count):
        self.rows, self.count, self.ordered = rows, count, rows.ordered

    def __getitem__(self, index):
        return self.rows[index]

    def __len__(self):
        return self.count()


@extend_schema(tags=["metrics"])
@extend_validation_errors(["invalid", "max_string_length"], field_name="member", actions=["list"])
@extend_validation_errors(["invalid_choice"], field_name="kind", actions=["list"])
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=["accept", "dismiss"])
@extend_schema_view(
    list=extend_schema(
        summary="Weaving suggestions from the latest snapshot",
        description="Introductions and other suggestions, best first, without the pairs a coordinator "
        "has already accepted or dismissed. 404 until a snapshot is done.",
        parameters=[SuggestionQuerySerializer],
        responses=SuggestionSerializer(many=True),
    ),
    accept=extend_schema(
        summary="Accept a suggestion: tie the pair (coordinators)",
        description='Creates a "knows" tie with provenance "suggestion" and remembers the answer.',
        request=SuggestionAcceptSerializer,
        responses={201: SuggestionDecisionSerializer},
    ),
    dismiss=extend_schema(
        summary="Dismiss a suggestion: never suggest this pair again (coordinators)",
        request=SuggestionAnswerSerializer,
        responses=SuggestionDecisionSerializer,
    ),
)
class SuggestionViewSet(SnapshotReadingViewSet):
    filter_backends: list = []
    cached_as = "suggestions"
    cached_params = frozenset({"kind", "member", "page", "page_size"})
    cached_with_answers = True

    def get_serializer_class(self):
        return SuggestionAcceptSerializer if self.action == "accept" else SuggestionAnswerSerializer

    def list(self, request, *args, **kwargs):
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        snapshot_id = self.current_snapshot_id()
        stored = Snapshot.objects.filter(pk=snapshot_id).values_list("suggestions", flat=True).first()
        if snapshot_id is None or stored is None:
            raise NotFound(NO_SNAPSHOT)
        decided = set(
            SuggestionDecision.objects.filter(network=self.network).values_list("member_a_id", "member_b_id")
        )
        kind, member = query.validated_data.get("kind"), query.validated_data.get("member")
        suggestions = [
            s
            for s in stored
            if (min(s["a"], s["b"]), max(s["a"], s["b"])) not in decided
            and (kind is None or s["kind"] == kind)
            and (member is None or member in (s["a"], s["b"]))
        ]
        page = self.paginate_queryset(suggestions)
        return self.get_paginated_response(SuggestionSerializer(page, many=True).data)

    @action(detail=False, methods=["post"])
    def accept(self, request, *args, **kwargs):
        params = self.get_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        with service_errors(params):
            tie = services.suggestion_accept(
                user=request.user,
                network=self.network,
                member_a=data["a"],
                member_b=data["b"],
                kind=data["kind"],
                note=data.get("note", ""),
            )
        decision = SuggestionDecision.objects.get(relationship=tie)
        return Response(SuggestionDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        params = self.get_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        with service_errors(params):
            decision = services.suggestion_dismiss(
                user=request.user,
                network=self.network,
                member_a=data["a"],
                member_b=data["b"],
                kind=data["kind"],
            )
        return Response(SuggestionDecisionSerializer(decision).data)


@extend_schema(tags=["metrics"])
@extend_schema_view(
    list=extend_schema(
        summary="The network's snapshots, newest first",
        description="Every computation, queued, running, failed or done, with its key figures once done.",
    ),
    retrieve=extend_schema(
        summary="A snapshot: poll it for progress; once done, all it holds",
        responses=SnapshotDetailSerializer,
    ),
    create=extend_schema(
        summary="Recompute the network's metrics (coordinators)",
        description="The same as metrics/recompute/: answers 202 with the queued snapshot; poll Location.",
        request=None,
        responses={202: SnapshotSerializer},
    ),
)
class SnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SnapshotReadingViewSet):
    serializer_class = SnapshotSerializer
    filter_backends: list = []
    cached_with_live_rows = True  # bridges and gatekeepers are named as members are now

    def cached_read_for(self, request, **kwargs) -> CachedRead | None:
        # A done snapshot's detail (a queued or running one is polled for its progress: never kept).
        pk = kwargs.get("pk", "")
        if not pk.isdigit() or not 0 < int(pk) < 2**63 or "text/html" in request.META.get("HTTP_ACCEPT", ""):
            return None
        query = normalised_query(request, frozenset())
        if query is None:
            return None
        return cached_read(
            request, slug=kwargs["network_slug"], name="snapshot", query=query, snapshot_id=int(pk), live=True
        )

    def get_queryset(self):
        if self.is_schema_view:
            return Snapshot.objects.none()
        return Snapshot.objects.filter(network=self.network).order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().values(*SUMMARY_COLUMNS))
        rows = [_summary(row, request, self.network) for row in page]
        return self.get_paginated_response(SnapshotSerializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        try:
            snapshot_id = int(kwargs["pk"])
        except ValueError:
            snapshot_id = 0
        if not 0 < snapshot_id < 2**63:
            raise NotFound("No such snapshot in this network.")
        row = (
            self.get_queryset()
            .filter(pk=snapshot_id)
            .values(
                *SUMMARY_COLUMNS,
                "method",
                "timings",
                "bridges",
                "gatekeepers",
                "communities",
                "suggestions",
                "view_figures",
            )
            .first()
        )
        if row is None:
            raise NotFound("No such snapshot in this network.")
        figures, views = row["figures"], _views(row.pop("view_figures"))
        data = _summary(row, request, self.network)
        done = data["status"] == Snapshot.Status.DONE
        ids = {m for pair in row["bridges"] for m in pair} | set(row["gatekeepers"])
        names = dict(Member.objects.filter(network=self.network, pk__in=ids).values_list("id", "name"))
        data.update(
            figures=figures if done else None,
            method=row["method"] if done else None,
            views=views if done else None,
            bridges=[
                {"a": a, "b": b, "a_label": names.get(a, f"#{a}"), "b_label": names.get(b, f"#{b}")}
                for a, b in row["bridges"]
            ],
            gatekeepers=[{"id": g, "label": names.get(g, f"#{g}")} for g in row["gatekeepers"]],
        )
        return Response(data)  # stored JSON as it is, like summary()

    def create(self, request, *args, **kwargs):
        return snapshot_requested(request, self.network)


EXPORT_ATTRIBUTES = [*MEMBER_METRIC_FIELDS, "roles", "x", "y"]


def graph_for_export(*, network: Network, snapshot_id: int | None) -> nx.Graph:
    """The metric graph, its nodes carrying the latest snapshot's metrics, with no None or list values.

    GEXF and GraphML writers reject None and lists: lists become "|"-joined strings, None is left out.
    """
    members, ties = network_graph_rows(
        network=network, metrics_of=snapshot_id, metric_fields=tuple(EXPORT_ATTRIBUTES)
    )
    graph = metrics.build_graph(members, ties)
    graph.graph["name"] = network.name
    for _, data in graph.nodes(data=True):
        data["organisations"] = "|".join(str(o) for o in data["organisations"])
    if snapshot_id is None:
        return graph
    graph.graph["snapshot"] = snapshot_id
    for row in members:
        data = graph.nodes[row["id"]]
        for name in EXPORT_ATTRIBUTES:
            value = row[f"metric_{name}"]
            if name == "roles" and value is not None:
                value = "|".join(value)
            if value is not None:
                data[name] = value
    return graph


class JSONErrorsWhateverTheAccept(BaseContentNegotiation):
    """Exports answer in their own format; errors in JSON, even to a client that asked for GEXF only."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


def _download(request, network: Network, content: str, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-network.{extension}"'
    return response


EXPORT_NOTE = (
    "Nodes are the active members, links their active ties (weight = the strongest, 1–5). Node "
    "attributes: label, kind, community_label, organisations (ids joined by |) and, once computed, the "
    "latest snapshot's metrics, roles joined by | and map position x, y."
)


@extend_schema(tags=["metrics"])
class GraphExportViewSet(SnapshotReadingViewSet):
    filter_backends: list = []
    content_negotiation_class = JSONErrorsWhateverTheAccept
    cached_with_live_rows = True  # the graph is the network as it is now, with the snapshot's figures

    def cached_read_for(self, request, **kwargs) -> CachedRead | None:
        query = normalised_query(request, frozenset())
        if query is None:
            return None
        export = self.action_map.get("get", "")
        return cached_read(
            request, slug=kwargs["network_slug"], name=f"graph.{export}", query=query, live=True
        )

    @extend_schema(
        summary="The network as node-link JSON (networkx, d3)",
        description=EXPORT_NOTE + ' Read it back with nx.node_link_graph(data, edges="links").',
        responses=NodeLinkSerializer,
    )
    def node_link(self, request, *args, **kwargs):
        data = nx.node_link_data(
            graph_for_export(network=self.network, snapshot_id=self.current_snapshot_id()), edges="links"
        )
        response = Response(data)
        response["Content-Disposition"] = f'inline; filename="{self.network.slug}-network.json"'
        return response

    @extend_schema(
        summary="The network as GEXF (Gephi)",
        description=EXPORT_NOTE + " Map positions are also given as GEXF viz positions.",
        responses={(200, GEXF): OpenApiResponse(OpenApiTypes.BINARY, description="A GEXF 1.2 file.")},
    )
    def gexf(self, request, *args, **kwargs):
        graph = graph_for_export(network=self.network, snapshot_id=self.current_snapshot_id())
        for _, data in graph.nodes(data=True):
            if "x" in data:
                data["viz"] = {"position": {"x": data["x"], "y": data["y"], "z": 0.0}}
        return _download(request, self.network, "\n".join(nx.generate_gexf(graph)), GEXF, "gexf")

    @extend_schema(
        summary="The network as GraphML (igraph, networkx, Gephi, yEd)",
        description=EXPORT_NOTE,
        responses={(200, GRAPHML): OpenApiResponse(OpenApiTypes.BINARY, description="A GraphML file.")},
    )
    def graphml(self, request, *args, **kwargs):
        graph = graph_for_export(network=self.network, snapshot_id=self.current_snapshot_id())
        return _download(request, self.network, "\n".join(nx.generate_graphml(graph)), GRAPHML, "graphml")
