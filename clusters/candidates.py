"""Who should be in a learning cluster: candidate organisations with the reason for each.

`select_candidates` is pure (plain data in, plain data out, no database) so the rule is easy to read
and to test; `candidates_propose` and `candidates_for_cluster` load that data from the network.

The rule (DESIGN.md): organisations tagged with the strategy, from different communities, preferring
ones not yet tied to each other, because a cluster should weave new ties. An organisation's community
is the one typed in on it, else the one the latest metrics snapshot detected from the ties.
Picks are greedy, one at a time, each time taking the organisation that
  1. is tied to the fewest organisations already picked (so adds the most new, untied pairs),
  2. then brings a community the cluster does not have yet,
  3. then has the fewest ties to the rest of the candidates (more weaving to come),
  4. then by name, so the proposal is stable.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from clusters.models import CLUSTER_SIZE, LearningCluster
from clusters.selectors import detected_communities, organisation_neighbours
from networks.models import Member, Network, Tag


@dataclass(frozen=True)
class Org:
    id: int
    name: str
    community: str = ""
    tags: tuple[str, ...] = ()
    community_detected: bool = False


@dataclass(frozen=True)
class Candidate:
    organisation_id: int
    name: str
    community: str
    matched_tags: tuple[str, ...]
    rank: int
    new_pairs: int
    tied_with: tuple[str, ...]
    new_community: bool
    reason: str
    community_detected: bool = False


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _reason(org: Org, *, picked: int, tied_names: list[str], new_community: bool, same_count: int) -> str:
    parts = []
    if org.tags:
        parts.append(f"Works on {_join(org.tags)}.")
    where = f"{org.community} (as the network map groups it)" if org.community_detected else org.community
    if not org.community:
        parts.append("No community recorded.")
    elif new_community:
        parts.append(f"From {where}, a community not yet in the cluster.")
    else:
        others = "another organisation" if same_count == 1 else f"{same_count} other organisations"
        parts.append(f"From {where}, like {others} already in the cluster.")
    if picked == 0:
        parts.append("First pick: the candidate with the fewest existing ties to the others.")
    elif not tied_names:
        pairs = "pair" if picked == 1 else "pairs"
        parts.append(f"Not yet tied to anyone already in the cluster: {picked} new {pairs}.")
    else:
        new = picked - len(tied_names)
        parts.append(f"Already tied to {_join(tied_names)}; {new} new {'pair' if new == 1 else 'pairs'}.")
    return " ".join(parts)


def select_candidates(
    *,
    pool: Iterable[Org],
    neighbours: Mapping[int, set[int]],
    seed: Iterable[Org] = (),
    limit: int = 12,
) -> list[Candidate]:
    """Pick up to `limit` organisations from `pool`, greedily, given those already in (`seed`)."""
    chosen = list(seed)
    chosen_ids = {o.id for o in chosen}
    names = {o.id: o.name for o in chosen}
    # "north" and "North" are one community, as in the cluster's warnings.
    communities = Counter(o.community.casefold() for o in chosen if o.community)
    remaining = {o.id: o for o in pool if o.id not in chosen_ids}
    everyone = set(remaining) | chosen_ids
    in_pool_ties = {oid: len(neighbours.get(oid, set()) & everyone) for oid in remaining}

    picks: list[Candidate] = []
    while remaining and len(picks) < limit:

        def key(org: Org):
            tied = len(neighbours.get(org.id, set()) & chosen_ids)
            new_community = bool(org.community) and org.community.casefold() not in communities
            return (tied, not new_community, in_pool_ties[org.id], org.name.lower(), org.id)

        best = min(remaining.values(), key=key)
        tied_ids = neighbours.get(best.id, set()) & chosen_ids
        tied_names = sorted(names[i] for i in tied_ids)
        new_community = bool(best.community) and best.community.casefold() not in communities
        picks.append(
            Candidate(
                organisation_id=best.id,
                name=best.name,
                community=best.community,
                matched_tags=best.tags,
                rank=len(picks) + 1,
                new_pairs=len(chosen_ids) - len(tied_ids),
                tied_with=tuple(tied_names),
                new_community=new_community,
                community_detected=best.community_detected,
                reason=_reason(
                    best,
                    picked=len(chosen_ids),
                    tied_names=tied_names,
                    new_community=new_community,
                    same_count=communities.get(best.community.casefold(), 0),
                ),
            )
        )
        del remaining[best.id]
        chosen_ids.add(best.id)
        names[best.id] = best.name
        if best.community:
            communities[best.community.casefold()] += 1
    return picks


def _with_detected_communities(network: Network, orgs: list[Org]) -> list[Org]:
    """Orgs without a typed-in community take the one the latest snapshot detected, if any."""
    blank = [o.id for o in orgs if not o.community and o.id > 0]
    detected = detected_communities(network=network, member_ids=blank) if blank else {}
    return [
        replace(o, community=detected[o.id], community_detected=True) if o.id in detected else o for o in orgs
    ]


def _pool(*, network: Network, tag_ids: Sequence[int], exclude_ids: set[int]) -> list[Org]:
    orgs = (
        Member.objects.active()
        .organisations()
        .filter(network=network, tags__id__in=list(tag_ids))
        .exclude(pk__in=exclude_ids)
        .distinct()
        .prefetch_related("tags")
    )
    wanted = set(tag_ids)
    pool = [
        Org(
            id=o.pk,
            name=o.name,
            community=o.community.strip(),
            tags=tuple(t.name for t in o.tags.all() if t.pk in wanted),
        )
        for o in orgs
    ]
    return _with_detected_communities(network, pool)


def candidates_propose(*, network: Network, tags: Sequence[Tag], limit: int = 12) -> list[Candidate]:
    """Candidate organisations for a new cluster on these strategy tags, best first, with reasons."""
    pool = _pool(network=network, tag_ids=[t.pk for t in tags], exclude_ids=set())
    neighbours = organisation_neighbours(network=network, organisation_ids={o.id for o in pool})
    return select_candidates(pool=pool, neighbours=neighbours, limit=limit)


def candidates_for_cluster(*, cluster: LearningCluster, limit: int | None = None) -> list[Candidate]:
    """Who else should be in this cluster: candidates that best complement its organisations."""
    members = list(cluster.participants.filter(organisation__isnull=False).select_related("organisation"))
    seed = [
        Org(id=p.organisation_id, name=p.organisation.name, community=p.organisation.community.strip())
        for p in members
    ]
    seed = _with_detected_communities(cluster.network, seed)
    # Local projects have no place on the map but still bring their community to the cluster.
    seed += [
        Org(id=-p.pk, name=p.project_name, community=p.community.strip())
        for p in cluster.participants.filter(organisation__isnull=True)
    ]
    tag_ids = list(cluster.strategy_tags.values_list("pk", flat=True))
    pool = _pool(network=cluster.network, tag_ids=tag_ids, exclude_ids={o.id for o in seed})
    neighbours = organisation_neighbours(
        network=cluster.network, organisation_ids={o.id for o in pool} | {o.id for o in seed}
    )
    if limit is None:
        limit = max(CLUSTER_SIZE[1] - len(seed), 0)
    return select_candidates(pool=pool, neighbours=neighbours, seed=seed, limit=limit)
