"""Per-scale figures of a meta-network: pure Python, no Django, so they are tested by hand.

Each local network comes in as a LocalFigures; `people` and `organisations` are the matching keys
(lower-cased e-mails, lower-cased names) a network agreed to share, or None when its agreement does
not share them. A network that shares no names never counts in an overlap: an overlap count with a
figures-only network would tell whether a given person is in it.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class LocalFigures:
    key: str
    members: int
    ties: int
    people: frozenset[str] | None = None
    organisations: frozenset[str] | None = None


def density(members: int, ties: int) -> float:
    """Share of possible undirected ties that exist."""
    if members < 2:
        return 0.0
    return 2 * ties / (members * (members - 1))


def within(local: LocalFigures) -> dict:
    """Figures inside one local network."""
    return {
        "network": local.key,
        "members": local.members,
        "ties": local.ties,
        "density": round(density(local.members, local.ties), 6),
    }


def _shared(a: frozenset[str] | None, b: frozenset[str] | None) -> int | None:
    return None if a is None or b is None else len(a & b)


def between(a: LocalFigures, b: LocalFigures) -> dict:
    """What two local networks share: counts of people and organisations, None where not agreed."""
    return {
        "a": a.key,
        "b": b.key,
        "shared_people": _shared(a.people, b.people),
        "shared_organisations": _shared(a.organisations, b.organisations),
    }


def crossers(keys_by_network: dict[str, frozenset[str] | None]) -> dict[str, list[str]]:
    """Each key found in two or more networks, with those networks (sorted)."""
    seen: dict[str, list[str]] = defaultdict(list)
    for network, keys in sorted(keys_by_network.items()):
        for key in keys or ():
            seen[key].append(network)
    return {key: networks for key, networks in sorted(seen.items()) if len(networks) >= 2}


def across(locals_: list[LocalFigures]) -> dict:
    """Figures over the whole meta-network."""
    people = {n.key: n.people for n in locals_ if n.people is not None}
    organisations = {n.key: n.organisations for n in locals_ if n.organisations is not None}
    distinct_people = set().union(*people.values()) if people else set()
    crossing_people = crossers(people)
    return {
        "networks": len(locals_),
        "members": sum(n.members for n in locals_),
        "ties": sum(n.ties for n in locals_),
        "networks_sharing_people": len(people),
        "networks_sharing_organisations": len(organisations),
        "distinct_people": len(distinct_people),
        "scale_crossing_people": len(crossing_people),
        "scale_crossing_organisations": len(crossers(organisations)),
        "crossing_share": round(len(crossing_people) / len(distinct_people), 6) if distinct_people else 0.0,
    }


def meta_map(locals_: list[LocalFigures]) -> dict:
    """Nodes are local networks with their own figures; ties are pairs sharing a person or an organisation."""
    ties = []
    for a, b in combinations(sorted(locals_, key=lambda n: n.key), 2):
        pair = between(a, b)
        if pair["shared_people"] or pair["shared_organisations"]:
            ties.append(pair)
    return {"nodes": [within(n) for n in locals_], "ties": ties, "across": across(locals_)}
