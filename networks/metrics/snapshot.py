"""The snapshot: every figure, roles with plain-language explanations, suggestions, timings."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import igraph
import networkx as nx
import numpy as np

from .compute import (
    _betweenness,
    _closeness_and_paths,
    _communities,
    _components,
    _diameter,
    _effective_size,
    _nan_to_none,
    _neighbourhoods,
    _pivots,
)
from .graph import _index, _Indexed, organisations_view, people_view
from .rules import (
    BRIDGE_BUILDER_MIN_COMMUNITIES,
    BROKER_BETWEENNESS_FACTOR,
    EXACT_MAX_MEMBERS,
    HUB_AND_SPOKE_MAX_CLUSTERING,
    HUB_DEGREE_FACTOR,
    HUB_MIN_DEGREE,
    PERIPHERAL_MAX_DEGREE,
    ROLES,
    SAMPLE_PIVOTS,
    SEED,
    TOP_SUGGESTIONS,
    VIEW_EXACT_MAX_MEMBERS,
)
from .suggestions import _suggestions

Progress = Callable[[int, str], None]

# The snapshot


_STAGES = {  # stage: percent done when it ends
    "prepare": 5,
    "neighbourhoods": 15,
    "structure": 20,
    "betweenness": 55,
    "closeness_and_paths": 75,
    "diameter": 78,
    "communities": 85,
    "structural_holes": 88,
    "roles": 92,
    "suggestions": 97,
    "assemble": 100,
}


def compute_snapshot(
    graph: nx.Graph,
    *,
    progress: Progress | None = None,
    exact_threshold: int = EXACT_MAX_MEMBERS,
    k: int = SAMPLE_PIVOTS,
    seed: int = SEED,
    top_n: int = TOP_SUGGESTIONS,
    exclude_pairs: Iterable[tuple[Hashable, Hashable]] = (),
) -> dict[str, Any]:
    """Every per-network and per-member figure, roles and suggestions, as JSON-ready data.

    Returns {"network", "members", "bridges", "gatekeepers", "communities", "suggestions", "method",
    "timings"}. Members are in canonical (label, id) order; bridges are [a, b] id pairs; gatekeepers
    are ids. `progress(percent, stage)` is called as each stage ends. `exclude_pairs` (member id pairs,
    e.g. dismissed suggestions) are never suggested. Betweenness is exact up to `exact_threshold`
    members, else sampled from `k` pivots drawn with `seed`.
    """
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def done(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock[0], 4)
        clock[0] = now
        if progress is not None:
            progress(_STAGES[stage], stage)

    ix = _index(graph)
    n, m, degree = ix.n, len(ix.edges), ix.degree
    excluded = _excluded_keys(ix, exclude_pairs)
    done("prepare")

    hoods = _neighbourhoods(ix, top_n + len(excluded), excluded)
    triangles = hoods.triangles
    pairs_of_contacts = degree * (degree - 1) // 2
    with np.errstate(divide="ignore", invalid="ignore"):
        clustering = np.where(degree > 1, triangles / np.maximum(pairs_of_contacts, 1), 0.0)
    done("neighbourhoods")

    comp = _components(ix)
    core = np.asarray(ix.ig.coreness(), dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    gatekeeper = np.zeros(n, dtype=bool)
    gatekeeper[ix.ig.articulation_points()] = True
    # igraph's edge ids are the rows of ix.edges, each already ordered i < j.
    bridge_pairs = sorted(tuple(ix.edges[e].tolist()) for e in ix.ig.bridges())
    done("structure")

    sampled = n > exact_threshold
    pivots = _pivots(n, min(k, n), seed) if sampled else None
    between = _betweenness(ix, pivots)
    done("betweenness")

    paths = _closeness_and_paths(ix, comp, pivots, exact_threshold, seed)
    close, apl, path_method = paths.closeness, paths.average_path_length, paths.method
    done("closeness_and_paths")

    diameter, diameter_method = _diameter(ix, comp, len(pivots) if sampled else None)
    done("diameter")

    community, modularity = _communities(ix, seed)
    done("communities")

    burt_constraint = _nan_to_none(ix.ig.constraint()) if n else []
    eff_size = _effective_size(degree, triangles)
    done("structural_holes")

    roles, contact_communities = _roles(ix, degree, clustering, between, gatekeeper, community)
    done("roles")

    suggestions = _suggestions(ix, hoods, roles, community, excluded, top_n)
    done("suggestions")

    communities_out = _community_summaries(ix, community, degree)
    community_names = {c["id"]: c["name"] for c in communities_out}
    members_out = _member_rows(
        ix,
        degree=degree,
        between=between,
        close=close,
        clustering=clustering,
        core=core,
        community=community,
        community_names=community_names,
        reach2=hoods.reach2,
        constraint=burt_constraint,
        effective_size=eff_size,
        gatekeeper=gatekeeper,
        triangles=triangles,
        open_triads=pairs_of_contacts - triangles,
        roles=roles,
        contact_communities=contact_communities,
    )
    sizes = np.bincount(comp) if n else np.zeros(0, dtype=np.int64)
    peripheral = sum("peripheral" in r for r in roles)
    isolates = int((degree == 0).sum())
    network = {
        "members": n,
        "people": sum(1 for v in ix.nodes if graph.nodes[v].get("kind") != "organisation"),
        "organisations": sum(1 for v in ix.nodes if graph.nodes[v].get("kind") == "organisation"),
        "ties": m,
        "density": 2 * m / (n * (n - 1)) if n > 1 else 0.0,
        "components": len(sizes),
        "largest_component_share": float(sizes[0] / n) if n else 0.0,
        "average_clustering": float(clustering.mean()) if n else 0.0,
        "transitivity": float(triangles.sum() / pairs_of_contacts.sum()) if pairs_of_contacts.sum() else 0.0,
        "average_path_length": apl,
        "diameter": diameter,
        "communities": len(communities_out),
        "modularity": modularity,
        "degree_centralisation": _degree_centralisation(degree),
        "triangles": int(triangles.sum() // 3),
        "open_triads": int((pairs_of_contacts - triangles).sum()),
        "unclosed_pairs": hoods.unclosed_pairs,
        "bridges": len(bridge_pairs),
        "gatekeepers": int(gatekeeper.sum()),
        "isolates": isolates,
        "peripheral": peripheral,
        "periphery_share": (peripheral + isolates) / n if n else 0.0,
        "hubs": sum("hub" in r for r in roles),
        "brokers": sum("broker" in r for r in roles),
    }
    method = {
        "betweenness": "sampled" if sampled else "exact",
        "k": len(pivots) if sampled else None,
        "seed": seed,
        "exact_threshold": exact_threshold,
        "closeness": "exact up to the threshold, estimated from the pivots above it" if sampled else "exact",
        "average_path_length": path_method,
        "diameter": diameter_method,
        "communities": "Louvain (igraph multilevel), unweighted, seeded",
        "libraries": {"networkx": nx.__version__, "igraph": igraph.__version__},
    }
    result = {
        "network": network,
        "members": members_out,
        "bridges": [[ix.nodes[a], ix.nodes[b]] for a, b in bridge_pairs],
        "gatekeepers": [ix.nodes[i] for i in np.flatnonzero(gatekeeper).tolist()],
        "communities": communities_out,
        "suggestions": suggestions,
        "method": method,
        "timings": timings,
    }
    done("assemble")
    result["timings"]["total"] = round(sum(v for s, v in timings.items() if s != "total"), 4)
    return result


def compute_views(
    graph: nx.Graph,
    *,
    progress: Progress | None = None,
    organisations: nx.Graph | None = None,
    **options: Any,
) -> dict[str, dict]:
    """Snapshots of the all-members, people-only and organisations-only views, keyed by view name.

    `options` are passed to `compute_snapshot`, except that the people and organisations views sample
    betweenness above ``VIEW_EXACT_MAX_MEMBERS``; progress runs 0–100 over the views, weighted by size.
    `organisations` is ``organisations_view(graph)`` when the caller has built it already.
    """
    if organisations is None:
        organisations = organisations_view(graph)
    views = {"all": graph, "people": people_view(graph), "organisations": organisations}
    # With no organisations the people view is the whole graph: compute it once.
    same_as_all = views["people"].number_of_nodes() == graph.number_of_nodes()
    to_compute = {name: g for name, g in views.items() if not (name == "people" and same_as_all)}
    sizes = {name: g.number_of_nodes() + g.number_of_edges() + 1 for name, g in to_compute.items()}
    total = sum(sizes.values())
    result = {}
    start = 0.0
    for name, view in to_compute.items():
        share = sizes[name] / total

        def scaled(
            percent: int, stage: str, start: float = start, share: float = share, name: str = name
        ) -> None:
            if progress is not None:
                progress(min(100, round(start + share * percent)), f"{name}: {stage}")

        view_options = dict(options)
        if name != "all":
            view_options["exact_threshold"] = min(
                options.get("exact_threshold", EXACT_MAX_MEMBERS), VIEW_EXACT_MAX_MEMBERS
            )
        result[name] = compute_snapshot(view, progress=scaled, **view_options)
        start += 100 * share
    if same_as_all:
        result["people"] = result["all"]
    return {name: result[name] for name in views}


def labelled(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with bridges, gatekeepers and suggestions named by labels (DESIGN.md's JSON export)."""
    label = {row["id"]: row["label"] for row in snapshot["members"]}
    return {
        **snapshot,
        "bridges": [[label[a], label[b]] for a, b in snapshot["bridges"]],
        "gatekeepers": [label[g] for g in snapshot["gatekeepers"]],
        "suggestions": [
            {**s, "a": s["a_label"], "b": s["b_label"], "shared": s["shared_labels"]}
            for s in snapshot["suggestions"]
        ],
    }


def _excluded_keys(ix: _Indexed, pairs: Iterable[tuple[Hashable, Hashable]]) -> np.ndarray:
    keys = set()
    for u, v in pairs:
        if u in ix.index and v in ix.index and u != v:
            a, b = sorted((ix.index[u], ix.index[v]))
            keys.add(a * ix.n + b)
    return np.array(sorted(keys), dtype=np.int64)


def _degree_centralisation(degree: np.ndarray) -> float:
    n = len(degree)
    if n < 3:
        return 0.0
    return float((degree.max() - degree).sum() / ((n - 1) * (n - 2)))


def _roles(
    ix: _Indexed,
    degree: np.ndarray,
    clustering: np.ndarray,
    between: np.ndarray,
    gatekeeper: np.ndarray,
    community: np.ndarray,
) -> tuple[list[list[str]], np.ndarray]:
    n = ix.n
    mean_degree = degree.mean() if n else 0.0
    hub = (degree >= HUB_MIN_DEGREE) & (degree >= HUB_DEGREE_FACTOR * mean_degree)
    spoke = hub & (clustering < HUB_AND_SPOKE_MAX_CLUSTERING)
    mean_between = between.mean() if n else 0.0
    broker = (between > 0) & (between >= BROKER_BETWEENNESS_FACTOR * mean_between)
    ends = np.concatenate([ix.edges, ix.edges[:, ::-1]])
    seen = community[ends[:, 1]]
    known = seen >= 0
    distinct = np.unique(ends[known, 0] * (n + 1) + seen[known])
    contact_communities = np.bincount(distinct // (n + 1), minlength=n)
    builder = contact_communities >= BRIDGE_BUILDER_MIN_COMMUNITIES
    flags = {
        "hub": hub,
        "hub_and_spoke": spoke,
        "broker": broker,
        "gatekeeper": gatekeeper,
        "bridge_builder": builder,
        "peripheral": (degree >= 1) & (degree <= PERIPHERAL_MAX_DEGREE),
        "isolate": degree == 0,
    }
    columns = [flags[r].tolist() for r in ROLES]
    roles = [[r for r, column in zip(ROLES, columns, strict=True) if column[i]] for i in range(n)]
    return roles, contact_communities


def _explain(
    label: str, roles: list[str], degree: int, reach2: int, contacts: int, first_contact: str
) -> str:
    if "isolate" in roles:
        return f"{label} has no ties in the network yet."
    sentences = []
    if "hub_and_spoke" in roles:
        sentences.append(
            f"{label} is a hub: {degree} members rely on this connection, and most of them don't know "
            f"each other, so they would lose touch if {label} stepped back."
        )
    elif "hub" in roles:
        sentences.append(f"{label} is a hub with {degree} contacts, many of whom also know each other.")
    if "broker" in roles:
        sentences.append(
            f"{label} is a broker: many of the shortest routes between other members pass through them."
        )
    if "gatekeeper" in roles:
        sentences.append(f"{label} is a gatekeeper: without them, part of the network would be cut off.")
    if "bridge_builder" in roles:
        sentences.append(f"{label} builds bridges, with contacts in {contacts} communities.")
    if "peripheral" in roles:
        sentences.append(f"{label} is on the edge of the network, tied to it only through {first_contact}.")
    if not sentences:
        sentences.append(
            f"{label} has {degree} contact{'s' if degree != 1 else ''} and reaches {reach2} "
            "members within two steps."
        )
    return " ".join(sentences)


def _member_rows(ix: _Indexed, **c: Any) -> list[dict[str, Any]]:
    columns = {
        name: (values.tolist() if isinstance(values, np.ndarray) else values)
        for name, values in c.items()
        if name not in ("community_names",)
    }
    names = c["community_names"]
    rows = []
    for i, node in enumerate(ix.nodes):
        data = ix.graph.nodes[node]
        community = columns["community"][i]
        degree = columns["degree"][i]
        first = ix.labels[ix.neighbours(i)[0]] if degree else ""
        rows.append(
            {
                "id": node,
                "label": ix.labels[i],
                "kind": data.get("kind", "person"),
                "community_label": data.get("community_label", ""),
                "degree": degree,
                "betweenness": columns["between"][i],
                "closeness": columns["close"][i],
                "clustering": columns["clustering"][i],
                "core_number": columns["core"][i],
                "community": community if community >= 0 else None,
                "community_name": names.get(community, ""),
                "reach2": columns["reach2"][i],
                "constraint": columns["constraint"][i],
                "effective_size": columns["effective_size"][i],
                "is_gatekeeper": columns["gatekeeper"][i],
                "triangles": columns["triangles"][i],
                "open_triads": columns["open_triads"][i],
                "roles": columns["roles"][i],
                "explanation": _explain(
                    ix.labels[i],
                    columns["roles"][i],
                    degree,
                    columns["reach2"][i],
                    columns["contact_communities"][i],
                    first,
                ),
            }
        )
    return rows


def _community_summaries(ix: _Indexed, community: np.ndarray, degree: np.ndarray) -> list[dict[str, Any]]:
    out = []
    ids = community[community >= 0]
    if not len(ids):
        return out
    a, b = ix.edges[:, 0], ix.edges[:, 1]
    same = (community[a] == community[b]) & (community[a] >= 0)
    inside = np.bincount(community[a][same], minlength=ids.max() + 1)
    for c in range(ids.max() + 1):
        members = np.flatnonzero(community == c)
        own = Counter(ix.graph.nodes[ix.nodes[i]].get("community_label", "") for i in members.tolist())
        own.pop("", None)
        name = min(own, key=lambda x: (-own[x], x)) if own else f"Group {c + 1}"
        top = members[np.lexsort((members, -degree[members]))][:3]
        out.append(
            {
                "id": c,
                "name": name,
                "size": len(members),
                "ties_inside": int(inside[c]),
                "top_members": [ix.nodes[i] for i in top.tolist()],
            }
        )
    return out
