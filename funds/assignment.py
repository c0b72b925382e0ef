"""Reviewer assignment as pure functions (no Django): ids in, pairs and a coverage report out.

Volunteer mode is a min-cost flow (networkx network simplex) on

    source → reviewer → (proposal, reviewer's community) → proposal → sink

- source → reviewer: one unit edge per free slot (at most k per reviewer); the j-th slot costs more than
  the (j−1)-th, so the cheapest flow spreads the work evenly (loads within one of each other wherever
  conflicts allow);
- reviewer → (proposal, community): one unit, only for pairs without a conflict of interest;
- (proposal, community) → proposal: the first reviewer from a community is free, each further one from
  the same community pays a small penalty, so proposals get readers from several communities when the
  pool allows;
- proposal → sink: one unit edge per missing review (at most r); later units cost more, so when the
  pool is short the reviews are shared out evenly between proposals.

The flow is first made as large as possible (as many reviews as the pool allows, up to r each), then the
cheapest such flow is taken. The costs are nested (proposal balance ≫ reviewer balance ≫ community mix),
each larger than the most the next one down can add up to, so the priorities never trade off.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

Id = Hashable
Pair = tuple[Id, Id]  # (reviewer, proposal)


@dataclass
class Coverage:
    reviews_per_proposal: dict[Id, int]
    load_per_reviewer: dict[Id, int]
    conflicts_excluded: int
    target_reviews: int
    short: dict[Id, int] = field(default_factory=dict)  # proposal → reviews missing to reach r

    @property
    def fully_covered(self) -> bool:
        return not self.short

    def as_dict(self) -> dict:
        loads = list(self.load_per_reviewer.values())
        return {
            "reviews_per_proposal": {str(k): v for k, v in self.reviews_per_proposal.items()},
            "load_per_reviewer": {str(k): v for k, v in self.load_per_reviewer.items()},
            "conflicts_excluded": self.conflicts_excluded,
            "target_reviews": self.target_reviews,
            "short": {str(k): v for k, v in self.short.items()},
            "min_load": min(loads, default=0),
            "max_load": max(loads, default=0),
        }


# DESIGN.md: a volunteer reads 2–3 proposals. Suggestions aim at the top of that range, and never give a
# proposal fewer than two reviews (one has no spread, and the leniency adjustment has nothing to weigh).
READS_PER_VOLUNTEER = 3
MIN_REVIEWS_PER_PROPOSAL = 2


def suggest_reviews(*, volunteers: int, proposals: int) -> tuple[int, int]:
    """(reviews per proposal r, most proposals per volunteer k) so that every volunteer reads 2–3.

    r = floor(volunteers × 3 / proposals), at least 2 and at most the pool; then
    k = max(3, ceil(proposals × r / volunteers)). The pool's total reading, proposals × r, is then at most
    3 per volunteer and, when there are at least as many volunteers as proposals, more than 2 on average,
    so the balanced assignment gives every volunteer 2 or 3. A pool too small for 2 reviews per proposal
    at 3 each raises k instead: every proposal still gets its 2 reviews, volunteers read more.
    """
    if volunteers < 1 or proposals < 1:
        return MIN_REVIEWS_PER_PROPOSAL, READS_PER_VOLUNTEER
    r = min(volunteers, max(MIN_REVIEWS_PER_PROPOSAL, volunteers * READS_PER_VOLUNTEER // proposals))
    k = max(READS_PER_VOLUNTEER, math.ceil(proposals * r / volunteers))
    return r, k


@dataclass
class Plan:
    new_pairs: list[Pair]
    coverage: Coverage


def coverage_of(
    *,
    pairs: Iterable[Pair],
    proposals: Sequence[Id],
    reviewers: Iterable[Id],
    conflicts: Iterable[Pair],
    r: int,
) -> Coverage:
    """Reviews per proposal, load per reviewer, and how many pairs conflicts ruled out."""
    pairs = list(pairs)
    per_proposal = Counter(p for _, p in pairs)
    per_reviewer = Counter(rv for rv, _ in pairs)
    reviewer_ids = list(reviewers)
    proposal_set = set(proposals)
    reviewer_set = set(reviewer_ids)
    conflicts_n = sum(1 for rv, p in set(conflicts) if rv in reviewer_set and p in proposal_set)
    reviews = {p: per_proposal.get(p, 0) for p in proposals}
    return Coverage(
        reviews_per_proposal=reviews,
        load_per_reviewer={rv: per_reviewer.get(rv, 0) for rv in reviewer_ids},
        conflicts_excluded=conflicts_n,
        target_reviews=r,
        short={p: r - n for p, n in reviews.items() if n < r},
    )


def _community_key(reviewer: Id, community: str) -> Hashable:
    # A reviewer with no recorded community counts as a community of their own: we cannot tell.
    return community.strip().lower() if community and community.strip() else ("unknown", reviewer)


def assign_volunteers(
    *,
    proposals: Sequence[Id],
    reviewers: Mapping[Id, str],
    conflicts: Iterable[Pair],
    r: int,
    k: int,
    existing: Iterable[Pair] = (),
    excluded: Iterable[Pair] = (),
) -> Plan:
    """New (reviewer, proposal) pairs giving each proposal up to r reviews and each reviewer at most k.

    `reviewers` maps reviewer id → community; `existing` pairs are kept and counted; `excluded` pairs
    (e.g. recusals) are never proposed, like conflicts.
    """
    if r < 1 or k < 1:
        raise ValueError("r and k must be at least 1")
    proposal_set = set(proposals)
    existing = [(rv, p) for rv, p in existing if rv in reviewers and p in proposal_set]
    conflicts = set(conflicts)
    blocked = conflicts | set(excluded) | set(existing)
    load0 = Counter(rv for rv, _ in existing)
    have0 = Counter(p for _, p in existing)
    communities0: dict[Id, set] = defaultdict(set)
    for rv, p in existing:
        communities0[p].add(_community_key(rv, reviewers[rv]))

    need = {p: max(0, r - have0[p]) for p in proposals}
    free = {rv: max(0, k - load0[rv]) for rv in reviewers}
    max_units = sum(need.values())

    community_cost = 1
    load_cost = community_cost * (max_units + 1)
    max_load_total = sum((load0[rv] + j) for rv in reviewers for j in range(1, free[rv] + 1)) * load_cost
    proposal_cost = max_load_total + community_cost * max_units + 1

    flow_graph = nx.MultiDiGraph()
    capacity_graph = nx.DiGraph()

    def add(u, v, capacity, weight):
        flow_graph.add_edge(u, v, capacity=capacity, weight=weight)
        if capacity_graph.has_edge(u, v):
            capacity_graph[u][v]["capacity"] += capacity
        else:
            capacity_graph.add_edge(u, v, capacity=capacity)

    source, sink = ("source",), ("sink",)
    for rv in reviewers:
        for j in range(1, free[rv] + 1):
            add(source, ("r", rv), 1, (load0[rv] + j) * load_cost)
    used_groups = set()
    for p in proposals:
        if not need[p]:
            continue
        for j in range(1, need[p] + 1):
            add(("p", p), sink, 1, (have0[p] + j) * proposal_cost)
        for rv in reviewers:
            if not free[rv] or (rv, p) in blocked:
                continue
            group = ("pc", p, _community_key(rv, reviewers[rv]))
            add(("r", rv), group, 1, 0)
            used_groups.add(group)
    for group in used_groups:
        _, p, community = group
        first_cost = community_cost if community in communities0[p] else 0
        add(group, ("p", p), 1, first_cost)
        if need[p] > 1:
            add(group, ("p", p), need[p] - 1, community_cost)

    new_pairs: list[Pair] = []
    if capacity_graph.has_node(source) and capacity_graph.has_node(sink):
        units = nx.maximum_flow_value(capacity_graph, source, sink)
        if units:
            flow_graph.nodes[source]["demand"] = -units
            flow_graph.nodes[sink]["demand"] = units
            _, flow = nx.network_simplex(flow_graph)
            for rv in reviewers:
                for group, by_key in flow.get(("r", rv), {}).items():
                    if sum(by_key.values()):
                        new_pairs.append((rv, group[1]))
    all_pairs = existing + new_pairs
    return Plan(
        new_pairs=sorted(new_pairs, key=repr),
        coverage=coverage_of(
            pairs=all_pairs, proposals=proposals, reviewers=reviewers, conflicts=conflicts, r=r
        ),
    )


def assign_guardians(
    *,
    proposals: Sequence[Id],
    guardians: Iterable[Id],
    conflicts: Iterable[Pair],
    existing: Iterable[Pair] = (),
    excluded: Iterable[Pair] = (),
) -> Plan:
    """Every guardian on every proposal, except conflicted or excluded pairs."""
    guardians = list(guardians)
    conflicts = set(conflicts)
    existing = list(existing)
    blocked = conflicts | set(excluded) | set(existing)
    new_pairs = [(g, p) for p in proposals for g in guardians if (g, p) not in blocked]
    return Plan(
        new_pairs=new_pairs,
        coverage=coverage_of(
            pairs=existing + new_pairs,
            proposals=proposals,
            reviewers=guardians,
            conflicts=conflicts,
            r=len(guardians),
        ),
    )


def best_replacement(
    *,
    reviewers: Mapping[Id, str],
    loads: Mapping[Id, int],
    k: int,
    blocked: Iterable[Id],
    communities_on_proposal: Iterable[str],
) -> Id | None:
    """The reviewer to take over a recused review: least loaded with room, new community first, then id."""
    blocked = set(blocked)
    present = {c.strip().lower() for c in communities_on_proposal if c and c.strip()}
    candidates = [rv for rv in reviewers if rv not in blocked and loads.get(rv, 0) < k]
    if not candidates:
        return None

    def key(rv):
        community = (reviewers[rv] or "").strip().lower()
        return (loads.get(rv, 0), bool(community) and community in present, repr(rv))

    return min(candidates, key=key)
