"""Network metrics and weaving suggestions: a networkx graph in, plain JSON-ready data out.

No Django here: the selector builds the graph (`build_graph` from plain rows), a Celery task calls
`compute_snapshot` (or `compute_views` for the all / people / organisations views) and stores the dict.
Names follow DESIGN.md "Metrics: definitions" — they are a contract with the pages, the API and
`manage.py compute_metrics --json`.

The graph
    Undirected and simple. Node attributes: ``label``, ``kind`` ("person" / "organisation"),
    ``community_label`` (the member's own community field, may be ""), ``organisations`` (org node
    ids, for people). Edge attribute ``weight`` = the strongest tie, 1–5. Every metric below treats a
    tie as a tie (unweighted); the weight is carried for maps and exports.

How each figure is computed
    networkx is the model and the reference; the heavy metrics run in igraph (C core), converted once
    from a numpy edge array, and the tests check them equal to networkx. Betweenness is normalised
    and unweighted: exact up to ``EXACT_MAX_MEMBERS`` members, above that sampled from ``k`` pivot
    members chosen with ``random.Random(seed).sample`` over the canonical node order — the same pivots
    and values as ``nx.betweenness_centrality(G, k=k, seed=seed)`` on a graph built in that order.
    Closeness follows networkx (Wasserman–Faust scaling for disconnected graphs); above the threshold,
    members of components larger than it get an estimate from the pivots' distances. Average path
    length (largest component) is exact from the closeness sums, or estimated from the pivots; the
    diameter is exact by iFUB (searches from a hub's farthest members inwards: tens of searches on
    small-world networks), or above the threshold a lower bound when that would take more than ``k``
    searches — the snapshot's ``method`` says which. Unclosed pairs,
    triangles and reach within two steps come from row-chunked sparse products, so a 100,000-member
    network never holds all pairs in memory. Effective size uses the closed form for unweighted graphs,
    degree − 2·triangles/degree (networkx's builds an n×n array). Communities are Louvain (igraph
    multilevel, seeded); isolates belong to no community. Everything is sorted and seeded: the same
    network gives the same snapshot (apart from ``timings``).
    Betweenness, closeness and the pivots' distances use both cores when the work is big enough
    (``parallel.MIN_SPLIT_WORK``): the sources are cut in two fixed halves and one half runs in a child
    process (igraph keeps the GIL). The halves are the same whatever the machine, so the figures are too.

Roles, in plain language (a member may hold several)
    isolate         has no ties.
    peripheral      has exactly ``PERIPHERAL_MAX_DEGREE`` tie(s): hangs on to the network by one thread.
    hub             at least ``HUB_MIN_DEGREE`` contacts and at least ``HUB_DEGREE_FACTOR`` times as many as
                    the average member.
    hub_and_spoke   a hub whose contacts mostly don't know each other: fewer than
                    ``HUB_AND_SPOKE_MAX_CLUSTERING`` (1 in 5) of the pairs of their contacts are tied.
    broker          lies on the shortest paths between other members at least ``BROKER_BETWEENNESS_FACTOR``
                    times as often as the average member (betweenness ≥ 2 × mean, and above 0).
    gatekeeper      removing them would split their part of the network (an articulation point).
    bridge_builder  has contacts in at least ``BRIDGE_BUILDER_MIN_COMMUNITIES`` different communities.
    Share in the periphery = (peripheral + isolated members) / members.

Suggestions (each: kind, a, b, a_label, b_label, shared, shared_labels, score, reason; a pair at most once)
    introduce           two members not tied who share contacts; ranked by shared contacts, then
                        Adamic–Adar, then stable (label, id) order; the top ``top_n``.
    bridge_communities  two communities joined by a single tie or through a single person: introduce the
                        best-connected member of each (other than the connector); bigger communities first.
    relieve_hub         for each hub-and-spoke, up to ``RELIEVE_PAIRS_PER_HUB`` pairs of its contacts to
                        introduce to each other (most shared contacts first).
    connect_periphery   a peripheral member and one of the best-connected members of their community
                        (their own community field when filled, else the detected community).
    Suggestions come grouped in that order, each kind ranked and capped at ``top_n``; pairs passed in
    ``exclude_pairs`` (dismissed ones) never appear.

Using it (the Django side)
    graph = build_graph(member_rows, tie_rows)          # selector: .values() rows, active only
    snap = compute_snapshot(graph, progress=report, exclude_pairs=dismissed)   # in the Celery task
    views = compute_views(graph, progress=report)        # {"all": snap, "people": ..., "organisations": ...}
    labelled(snap)                                       # bridges, gatekeepers, suggestions by label (--json)

    snap["network"]      members, people, organisations, ties, density, components,
                         largest_component_share, average_clustering, transitivity, average_path_length,
                         diameter, communities, modularity, degree_centralisation, triangles, open_triads,
                         unclosed_pairs, bridges, gatekeepers, isolates, peripheral, periphery_share, hubs,
                         brokers (None where a figure is undefined, e.g. path length with no ties)
    snap["members"]      one dict per member, in canonical order: id, label, kind, community_label,
                         degree, betweenness, closeness, clustering, core_number, community (int or None),
                         community_name, reach2, constraint, effective_size (None for isolates),
                         is_gatekeeper, triangles, open_triads, roles (list, in ROLES order), explanation
    snap["bridges"]      [[a_id, b_id], ...]; snap["gatekeepers"]: [id, ...]
    snap["communities"]  [{id, name, size, ties_inside, top_members}], largest first; name = the most
                         common community field among its members, else "Group N"
    snap["suggestions"]  see above; introductions also carry adamic_adar, relieve_hub its hub,
                         bridge_communities its two community ids, connect_periphery the peripheral member
    snap["method"]       betweenness ("exact"/"sampled"), k, seed, exact_threshold, closeness,
                         average_path_length, diameter, communities, library versions
    snap["timings"]      seconds per stage and total (the only part that varies between runs)
"""

from .compute import betweenness, closeness, communities, constraint, effective_size, unclosed_pairs
from .graph import build_graph, canonical_order, organisations_view, people_view
from .rules import (
    BRIDGE_BUILDER_MIN_COMMUNITIES,
    BROKER_BETWEENNESS_FACTOR,
    EXACT_MAX_MEMBERS,
    HUB_AND_SPOKE_MAX_CLUSTERING,
    HUB_DEGREE_FACTOR,
    HUB_MIN_DEGREE,
    PERIPHERAL_MAX_DEGREE,
    RELIEVE_PAIRS_PER_HUB,
    ROLE_HELP,
    ROLES,
    SAMPLE_PIVOTS,
    SEED,
    SHARED_NAMED_IN_REASON,
    SPOKES_CONSIDERED,
    TOP_SUGGESTIONS,
    VIEW_EXACT_MAX_MEMBERS,
    WELL_CONNECTED_CONSIDERED,
)
from .snapshot import Progress, compute_snapshot, compute_views, labelled

__all__ = [
    "BRIDGE_BUILDER_MIN_COMMUNITIES",
    "BROKER_BETWEENNESS_FACTOR",
    "EXACT_MAX_MEMBERS",
    "HUB_AND_SPOKE_MAX_CLUSTERING",
    "HUB_DEGREE_FACTOR",
    "HUB_MIN_DEGREE",
    "PERIPHERAL_MAX_DEGREE",
    "RELIEVE_PAIRS_PER_HUB",
    "ROLES",
    "ROLE_HELP",
    "SAMPLE_PIVOTS",
    "SEED",
    "SHARED_NAMED_IN_REASON",
    "SPOKES_CONSIDERED",
    "TOP_SUGGESTIONS",
    "VIEW_EXACT_MAX_MEMBERS",
    "WELL_CONNECTED_CONSIDERED",
    "Progress",
    "betweenness",
    "build_graph",
    "canonical_order",
    "closeness",
    "communities",
    "compute_snapshot",
    "compute_views",
    "constraint",
    "effective_size",
    "labelled",
    "organisations_view",
    "people_view",
    "unclosed_pairs",
]
