"""Pages that read metric snapshots: dashboard, what changed, the map, weaving suggestions, member figures.

Thin views: networks come through networks.permissions, reads through networks.selectors, writes
through networks.services / networks.snapshots. Nothing here computes metrics on request.
"""

import math
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, OuterRef, Subquery
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from networks import metrics, permissions, selectors, services
from networks.cached_reads import cached_read, normalised_query
from networks.models import (
    Member,
    MemberMetric,
    MemberViewMetric,
    Network,
    Relationship,
    Snapshot,
    SuggestionDecision,
    Tag,
)
from networks.selectors import snapshot_current
from networks.snapshots import snapshot_request, snapshot_resume, snapshot_worker_lost

TOP_ON_DASHBOARD = 10
SUGGESTIONS_PAGE_SIZE = 25
EGO_MAX_CONTACTS = 24
MEMBER_SUGGESTIONS = 5
MAP_VIEWS = ("all", "people", "organisations")

ROLE_LABELS = {
    "hub": "Hub",
    "hub_and_spoke": "Hub and spoke",
    "broker": "Broker",
    "gatekeeper": "Gatekeeper",
    "bridge_builder": "Bridge builder",
    "peripheral": "On the edge",
    "isolate": "Not yet connected",
}
KIND_LABELS = {
    "introduce": "Close a triangle",
    "bridge_communities": "Bridge two communities",
    "relieve_hub": "Relieve a hub",
    "connect_periphery": "Bring someone in",
}

# Suggestions whose two members share a contact, so that accepting one closes a triangle: introductions,
# and relieving a hub (two of its contacts). Bridges and the periphery need not share anyone.
TRIANGLE_KINDS = ("introduce", "relieve_hub")

# The dashboard's health figures: what each one means for a weaver, in a line.
HEALTH_FIGURES = (
    ("members", "Members", "int", "People and organisations active in the network."),
    ("ties", "Relationships", "int", "Pairs of members who are connected, counted once per pair."),
    (
        "density",
        "Density",
        "percent",
        "Of all the relationships that could exist, the share that do. Big networks are naturally "
        "sparse: watch the trend, not the number.",
    ),
    (
        "average_clustering",
        "Clustering",
        "percent",
        "How often a member's contacts also know each other. Higher means close-knit groups where "
        "trust and ideas travel fast.",
    ),
    (
        "unclosed_pairs",
        "Unclosed pairs",
        "int",
        "Pairs of members who share a contact but don't know each other yet: each is an "
        "introduction you could make.",
    ),
    (
        "periphery_share",
        "On the edge",
        "percent",
        "Members held by one relationship or none. They are the likeliest to drift away: weave them in.",
    ),
    (
        "communities",
        "Communities",
        "int",
        "Groups more tied among themselves than to the rest. A healthy network links its groups too.",
    ),
    (
        "bridges",
        "Bridges",
        "int",
        "Relationships that, if they ended, would cut part of the network off. Add a second route "
        "around each.",
    ),
    (
        "gatekeepers",
        "Gatekeepers",
        "int",
        "Members without whom part of the network would be cut off from the rest.",
    ),
    (
        "average_path_length",
        "Steps apart",
        "decimal",
        "How many introductions it takes, on average, for news to pass between two members.",
    ),
)
TREND_FIGURES = (
    ("members", "Members"),
    ("ties", "Relationships"),
    ("density", "Density (%)"),
    ("average_clustering", "Clustering (%)"),
    ("unclosed_pairs", "Unclosed pairs"),
    ("periphery_share", "On the edge (%)"),
    ("communities", "Communities"),
)
PERCENT_FIGURES = {"density", "average_clustering", "periphery_share", "largest_component_share"}
FIGURE_LABELS = {key: label for key, label, _, _ in HEALTH_FIGURES}


def _network_to_read(request, slug: str) -> Network:
    """The network, for a page showing its snapshots (in-process, a due debounced one is computed first)."""
    network = permissions.get_network_for_user(request.user, slug)
    snapshot_resume(network=network)
    return network


def _context(request, network: Network, nav: str, **extra) -> dict:
    return {"network": network, "can_edit": permissions.can_edit(request.user, network), "nav": nav, **extra}


def _format(value, style: str) -> str:
    if value is None:
        return "—"
    if style == "percent":
        return f"{value * 100:.1f}%" if value < 0.1 else f"{value * 100:.0f}%"
    if style == "decimal":
        return f"{value:.1f}"
    return f"{int(value):,}"


def _quarter_start(now: datetime) -> datetime:
    return now.replace(month=3 * ((now.month - 1) // 3) + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _open_suggestions(
    network: Network, snapshot: Snapshot | None, answered: set[tuple[int, int]] | None = None
) -> list[dict]:
    """The snapshot's suggestions, without pairs already answered (read here unless given) or tied since
    it was computed."""
    if snapshot is None:
        return []
    if answered is None:
        answered = set(
            SuggestionDecision.objects.filter(network=network).values_list("member_a_id", "member_b_id")
        )
    tied_since = {
        _pair(s, t)
        for s, t in Relationship.objects.active()
        .filter(network=network, created_at__gte=snapshot.started_at or snapshot.finished_at)
        .values_list("source_id", "target_id")
    }
    hidden = answered | tied_since
    suggestions = []
    for rank, suggestion in enumerate(snapshot.suggestions, start=1):
        if _pair(suggestion["a"], suggestion["b"]) in hidden:
            continue
        suggestions.append(
            {**suggestion, "rank": rank, "kind_label": KIND_LABELS.get(suggestion["kind"], "")}
        )
    return suggestions


# Dashboard and live progress


def _plain_error(error: str) -> tuple[str, str]:
    """A failed snapshot's error in plain words, and the technical detail for whoever maintains the server."""
    if error.startswith(("SoftTimeLimitExceeded", "TimeLimitExceeded")):
        return "It took longer than the time allowed and was stopped.", error
    if error.startswith("MemoryError"):
        return "The server ran out of memory while computing.", error
    if error.startswith("Gave up after"):
        return "It was interrupted several times (the worker stopped), so it was given up.", error
    return "Something unexpected went wrong while computing.", error


def _progress_context(network: Network, *, watching: bool) -> dict:
    pending, latest_finished = selectors.snapshot_pending_and_finished(network=network)
    failed = latest_finished if latest_finished and latest_finished.status == Snapshot.Status.FAILED else None
    return {
        "pending": pending,
        "waiting_for_debounce": pending is not None
        and pending.status == Snapshot.Status.QUEUED
        and pending.not_before > timezone.now(),
        "worker_lost": pending is not None
        and snapshot_worker_lost(
            network_id=network.pk, status=pending.status, heartbeat_at=pending.heartbeat_at
        ),
        "just_finished": latest_finished if watching and pending is None else None,
        "failed": failed,
        "failed_words": _plain_error(failed.error) if failed else None,
    }


@login_required
@require_GET
def dashboard(request, slug):
    network = _network_to_read(request, slug)
    snapshot = snapshot_current(network=network, fields=("suggestions",))
    figures = []
    if snapshot is not None:
        for key, label, style, help_text in HEALTH_FIGURES:
            figures.append(
                {
                    "key": key,
                    "label": label,
                    "value": _format(snapshot.figures.get(key), style),
                    "help": help_text,
                }
            )
    history = list(
        Snapshot.objects.filter(network=network, status=Snapshot.Status.DONE)
        .order_by("finished_at", "id")
        .values_list("finished_at", "figures")
    )
    trends = {
        "labels": [timezone.localtime(when).strftime("%d %b %Y %H:%M") for when, _ in history],
        "series": [
            {
                "key": key,
                "label": label,
                "values": [
                    None
                    if f.get(key) is None
                    else round(f[key] * 100, 2)
                    if key in PERCENT_FIGURES
                    else f[key]
                    for _, f in history
                ],
            }
            for key, label in TREND_FIGURES
        ],
    }
    quarter = _quarter_start(timezone.localtime())
    # Every answer once: the pairs leave the suggestions, this quarter's are counted.
    decisions = list(
        SuggestionDecision.objects.filter(network=network).values_list(
            "member_a_id", "member_b_id", "decision", "kind", "decided_at"
        )
    )
    this_quarter = [(decision, kind) for _, _, decision, kind, when in decisions if when >= quarter]
    accepted = [kind for decision, kind in this_quarter if decision == SuggestionDecision.Decision.ACCEPTED]
    answered = {
        "closed": sum(1 for kind in accepted if kind in TRIANGLE_KINDS),
        "other": sum(1 for kind in accepted if kind not in TRIANGLE_KINDS),
        "dismissed": sum(
            1 for decision, _ in this_quarter if decision == SuggestionDecision.Decision.DISMISSED
        ),
    }
    context = _context(
        request,
        network,
        "dashboard",
        snapshot=snapshot,
        figures=figures,
        trends=trends,
        snapshot_count=len(history),
        suggestions=_open_suggestions(network, snapshot, answered={(a, b) for a, b, *_ in decisions})[
            :TOP_ON_DASHBOARD
        ],
        closed_this_quarter=answered["closed"],
        other_accepted_this_quarter=answered["other"],
        dismissed_this_quarter=answered["dismissed"],
        quarter=quarter,
        progress=_progress_context(network, watching=False),
        role_labels=ROLE_LABELS,
    )
    return render(request, "networks/dashboard.html", context)


@login_required
@require_POST
def snapshot_recompute(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    snapshot_request(network=network, trigger=Snapshot.Trigger.MANUAL, user=request.user)
    if request.htmx:
        context = {"network": network, "progress": _progress_context(network, watching=True)}
        return render(request, "networks/_progress.html", context)
    messages.info(request, "Recomputing the network's figures. This page shows the progress.")
    return redirect("networks:dashboard", slug=network.slug)


@login_required
@require_GET
def snapshot_progress(request, slug):
    network = _network_to_read(request, slug)
    context = {
        "network": network,
        "progress": _progress_context(network, watching=bool(request.GET.get("watching"))),
    }
    return render(request, "networks/_progress.html", context)


# What changed between two snapshots


@login_required
@require_GET
def snapshot_compare(request, slug):
    network = _network_to_read(request, slug)
    done = list(
        Snapshot.objects.filter(network=network, status=Snapshot.Status.DONE)
        .order_by("-finished_at", "-id")
        .only("id", "finished_at", "started_at", "trigger", "figures", "network")
    )
    by_id = {s.pk: s for s in done}
    error = ""
    older = newer = None
    try:
        older_id = int(request.GET["older"]) if request.GET.get("older") else None
        newer_id = int(request.GET["newer"]) if request.GET.get("newer") else None
    except ValueError:
        older_id = newer_id = None
        error = "Pick two snapshots from the lists."
    if len(done) >= 2:
        newer = by_id.get(newer_id) if newer_id else done[0]
        older = by_id.get(older_id) if older_id else done[1]
        if (older_id and older_id not in by_id) or (newer_id and newer_id not in by_id):
            error, older, newer = "That snapshot is not in this network.", None, None
    status = 400 if error else 200
    comparison = None
    if older is not None and newer is not None:
        if (older.finished_at, older.pk) > (newer.finished_at, newer.pk):
            older, newer = newer, older
        if older.pk == newer.pk:
            error = "Pick two different snapshots."
        else:
            comparison = selectors.snapshot_compare(older=older, newer=newer)
            for row in comparison["figures"]:
                row["label"] = FIGURE_LABELS.get(row["name"], row["name"])
                style = "percent" if row["name"] in PERCENT_FIGURES else "int"
                row["older_text"] = _format(row["older"], style)
                row["newer_text"] = _format(row["newer"], style)
                if row["older"] is not None and row["newer"] is not None:
                    row["change"] = row["newer"] - row["older"]
                    if abs(row["change"]) < 0.0005:
                        row["change_text"] = "no change"
                    elif style == "percent":
                        row["change_text"] = f"{row['change'] * 100:+.1f} points"
                    else:
                        row["change_text"] = f"{row['change']:+,}"
    context = _context(
        request,
        network,
        "dashboard",
        snapshots=done,
        older=older,
        newer=newer,
        comparison=comparison,
        error=error,
    )
    return render(request, "networks/snapshot_compare.html", context, status=status)


# The map


@login_required
@require_GET
def map_page(request, slug):
    network = _network_to_read(request, slug)
    snapshot = snapshot_current(network=network)
    context = _context(
        request,
        network,
        "map",
        snapshot=snapshot,
        role_help={
            role: {"label": ROLE_LABELS[role], "help": metrics.ROLE_HELP[role]} for role in metrics.ROLES
        },
        urls={
            "data": reverse("networks:map-data", kwargs={"slug": network.slug}),
            "member": reverse("networks:map-member", kwargs={"slug": network.slug, "pk": 0}),
        },
    )
    return render(request, "networks/map_page.html", context)


def _map_edges(network: Network, snapshot: Snapshot, view: str, node_ids: set[int]) -> list[list[int]]:
    if view == "organisations":
        # Projected ties (people's ties onto their organisations) were stored with the snapshot.
        ties = selectors.snapshot_ties(snapshot=snapshot, view="organisations")
        return [[a, b, w] for a, b, w in ties if a in node_ids and b in node_ids]
    pairs: dict[tuple[int, int], int] = {}
    for source, target, strength in (
        Relationship.objects.active()
        .filter(network=network)
        .values("source_id", "target_id")
        .annotate(strength=Max("strength"))
        .order_by()
        .values_list("source_id", "target_id", "strength")
    ):
        key = _pair(source, target)
        pairs[key] = max(strength, pairs.get(key, 0))
    return [[a, b, w] for (a, b), w in sorted(pairs.items()) if a in node_ids and b in node_ids]


def _map_nodes(network: Network, snapshot: Snapshot, view: str) -> list[dict]:
    """The view's members with their figures in that view, at their place on the all-members map."""
    tags_of: dict[int, list[int]] = {}
    for member_id, tag_id in Member.tags.through.objects.filter(member__network=network).values_list(
        "member_id", "tag_id"
    ):
        tags_of.setdefault(member_id, []).append(tag_id)
    columns = ["member_id", "member__name", "member__kind", "member__community"]
    figures = ["degree", "betweenness", "community", "roles"]
    if view == "all":
        rows = MemberMetric.objects.filter(snapshot=snapshot).values_list(*columns, "x", "y", *figures)
    else:
        position = MemberMetric.objects.filter(snapshot=snapshot, member_id=OuterRef("member_id"))
        rows = (
            MemberViewMetric.objects.filter(snapshot=snapshot, view=view)
            .annotate(x=Subquery(position.values("x")[:1]), y=Subquery(position.values("y")[:1]))
            .values_list(*columns, "x", "y", *figures)
        )
    return [
        {
            "id": member_id,
            "label": label,
            "kind": kind,
            "place": place,
            "x": x,
            "y": y,
            "degree": degree,
            "betweenness": betweenness,
            "community": community,
            "roles": roles,
            "tags": tags_of.get(member_id, []),
        }
        for member_id, label, kind, place, x, y, degree, betweenness, community, roles in rows.filter(
            member__archived_at__isnull=True
        ).order_by("member_id")
    ]


@gzip_page  # 1.4 MB of JSON at 5,000 members, 250 KB compressed; it holds no secret (BREACH)
@require_GET
def map_data(request, slug):
    """Nodes with worker-computed positions and the view's metrics, ties, bridges, communities, tags.

    Rendered once per snapshot and change to the members or ties, then served from the cache.
    """
    view = request.GET.get("view", "all")
    if view not in MAP_VIEWS:
        return HttpResponseBadRequest("view must be one of: all, people, organisations")
    query = normalised_query(request, frozenset({"view"}))
    read = cached_read(request, slug=slug, name="map", query=query, live=True) if query is not None else None
    if read is not None:
        stored = read.answer(request)
        if stored is not None:
            return stored
    response = _map_data(request, slug, view)
    return read.keep(request, response) if read is not None else response


@login_required
def _map_data(request, slug, view):
    network = _network_to_read(request, slug)
    stored_parts = ("bridges", "communities") if view == "all" else ("views",)
    snapshot = snapshot_current(network=network, fields=stored_parts)
    if snapshot is None:
        return JsonResponse({"snapshot": None, "view": view, "nodes": [], "edges": [], "bridges": []})
    nodes = _map_nodes(network, snapshot, view)
    node_ids = {n["id"] for n in nodes}
    stored = snapshot if view == "all" else snapshot.views.get(view, {})
    bridges = stored.bridges if view == "all" else stored.get("bridges", [])
    communities = stored.communities if view == "all" else stored.get("communities", [])
    names = selectors.community_names(communities)
    return JsonResponse(
        {
            "snapshot": {"id": snapshot.pk, "finished_at": snapshot.finished_at},
            "view": view,
            "nodes": nodes,
            "edges": _map_edges(network, snapshot, view, node_ids),
            "bridges": [[a, b] for a, b in bridges if a in node_ids and b in node_ids],
            "communities": [
                {"id": c["id"], "name": names[c["id"]], "size": c.get("size", 0)} for c in communities
            ],
            "tags": [
                {"id": pk, "name": name}
                for pk, name in Tag.objects.filter(network=network).values_list("id", "name")
            ],
        }
    )


@login_required
@require_GET
def map_member(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    member = permissions.get_member(network, pk)
    context = {
        "network": network,
        "member": member,
        "metrics": member_metrics_context(network=network, member=member, user=request.user, ego=False),
    }
    return render(request, "networks/map_member.html", context)


# Suggestions


def _next_url(request, network: Network) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("networks:suggestions", kwargs={"slug": network.slug})


@login_required
@require_GET
def suggestion_list(request, slug):
    network = _network_to_read(request, slug)
    snapshot = snapshot_current(network=network, fields=("suggestions",))
    suggestions = _open_suggestions(network, snapshot)
    counts = {kind: 0 for kind in KIND_LABELS}
    for s in suggestions:
        counts[s["kind"]] = counts.get(s["kind"], 0) + 1
    kind = request.GET.get("kind", "")
    if kind in KIND_LABELS:
        suggestions = [s for s in suggestions if s["kind"] == kind]
    else:
        kind = ""
    member = None
    member_id = request.GET.get("member", "")
    if member_id:
        member = Member.objects.filter(
            network=network, pk=int(member_id) if member_id.isdigit() else 0
        ).first()
        if member is not None:
            suggestions = [s for s in suggestions if member.pk in (s["a"], s["b"])]
    q = request.GET.get("q", "").strip()
    if q:
        needle = q.casefold()
        suggestions = [
            s for s in suggestions if needle in s["a_label"].casefold() or needle in s["b_label"].casefold()
        ]
    page = Paginator(suggestions, SUGGESTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    recent = (
        SuggestionDecision.objects.filter(network=network)
        .select_related("member_a", "member_b", "decided_by")
        .order_by("-decided_at")[:8]
    )
    context = _context(
        request,
        network,
        "suggestions",
        snapshot=snapshot,
        page=page,
        query=query.urlencode(),
        kinds=[(k, label, counts.get(k, 0)) for k, label in KIND_LABELS.items()],
        kind=kind,
        member=member,
        q=q,
        filtered=bool(kind or member or q),
        recent=recent,
    )
    return render(request, "networks/suggestion_list.html", context)


def _suggestion_pair(request, network: Network) -> tuple[Member, Member, str]:
    a = permissions.get_member(network, request.POST.get("a"))
    b = permissions.get_member(network, request.POST.get("b"))
    kind = request.POST.get("kind", "introduce")
    return a, b, kind if kind in KIND_LABELS else "introduce"


@login_required
@require_POST
def suggestion_accept(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    a, b, kind = _suggestion_pair(request, network)
    try:
        services.suggestion_accept(user=request.user, network=network, member_a=a, member_b=b, kind=kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{a.name} and {b.name} are now connected. Remember to introduce them!")
    return redirect(_next_url(request, network))


@login_required
@require_POST
def suggestion_dismiss(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    a, b, kind = _suggestion_pair(request, network)
    try:
        services.suggestion_dismiss(user=request.user, network=network, member_a=a, member_b=b, kind=kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, f"Dismissed: {a.name} and {b.name} won't be suggested again.")
    return redirect(_next_url(request, network))


# The member page's figures


def _percentile_below(snapshot: Snapshot, field: str, value: float) -> int:
    total = snapshot.figures.get("members") or 0
    if not total:
        return 0
    below = MemberMetric.objects.filter(snapshot=snapshot, **{f"{field}__lt": value}).count()
    return round(100 * below / total)


def _ego(member: Member) -> dict:
    """The member's contacts and the ties among them, laid out on a circle for a small SVG."""
    contact_ids = set()
    for source, target in (
        Relationship.objects.active()
        .involving(member)
        .filter(source__archived_at__isnull=True, target__archived_at__isnull=True)
        .values_list("source_id", "target_id")
    ):
        contact_ids.add(target if source == member.pk else source)
    contacts = list(Member.objects.filter(pk__in=contact_ids).values("id", "name", "kind"))
    ties = {
        _pair(s, t)
        for s, t in Relationship.objects.active()
        .filter(source_id__in=contact_ids, target_id__in=contact_ids)
        .values_list("source_id", "target_id")
    }
    known = {m["id"]: 0 for m in contacts}
    for a, b in ties:
        known[a] += 1
        known[b] += 1
    contacts.sort(key=lambda m: (-known[m["id"]], m["name"].casefold()))
    shown = contacts[:EGO_MAX_CONTACTS]
    size, radius = 360, 130
    centre = size / 2
    positions = {}
    for i, m in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1) - math.pi / 2
        m["x"] = round(centre + radius * math.cos(angle), 1)
        m["y"] = round(centre + radius * math.sin(angle), 1)
        m["lx"] = round(centre + (radius + 14) * math.cos(angle), 1)
        m["ly"] = round(centre + (radius + 14) * math.sin(angle) + 4, 1)
        m["anchor"] = "start" if math.cos(angle) > 0.2 else "end" if math.cos(angle) < -0.2 else "middle"
        m["short"] = m["name"].split()[0] if m["kind"] == "person" else m["name"][:14]
        m["knows"] = known[m["id"]]
        positions[m["id"]] = (m["x"], m["y"])
    lines = [
        {"x1": positions[a][0], "y1": positions[a][1], "x2": positions[b][0], "y2": positions[b][1]}
        for a, b in sorted(ties)
        if a in positions and b in positions
    ]
    pairs = len(shown) * (len(shown) - 1) // 2
    return {
        "size": size,
        "centre": centre,
        "contacts": shown,
        "hidden": len(contacts) - len(shown),
        "lines": lines,
        "tie_count": len(ties),
        "pairs": pairs,
    }


def member_metrics_context(*, network: Network, member: Member, user, ego: bool = True) -> dict:
    """Context of templates/networks/_member_metrics.html: figures, roles, ego network, suggestions."""
    snapshot_resume(network=network)
    parts = ("communities", "suggestions") if ego else ("communities",)
    snapshot = snapshot_current(network=network, fields=parts)
    context = {"snapshot": snapshot, "row": None, "can_edit": permissions.can_edit(user, network)}
    if snapshot is None:
        return context
    row = MemberMetric.objects.filter(snapshot=snapshot, member=member).first()
    context["row"] = row
    if row is not None:
        communities = selectors.community_names(snapshot.communities)
        context.update(
            roles=[
                {"name": r, "label": ROLE_LABELS.get(r, r), "help": metrics.ROLE_HELP.get(r, "")}
                for r in row.roles
            ],
            community_name=communities.get(row.community) if row.community is not None else None,
            betweenness_above=_percentile_below(snapshot, "betweenness", row.betweenness),
            degree_above=_percentile_below(snapshot, "degree", row.degree),
            clustering_percent=round(row.clustering * 100),
        )
    if ego:
        context["ego"] = _ego(member)
        context["suggestions"] = [
            s for s in _open_suggestions(network, snapshot) if member.pk in (s["a"], s["b"])
        ][:MEMBER_SUGGESTIONS]
    return context
