"""Reads across networks: only what each member network's sharing agreement lets through, read live."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from multiscale import figures
from multiscale.models import MemberNetwork, OrganisationMatch, Prospect
from networks.models import Member, Network, Relationship


def prospects_by_stage(*, network: Network) -> dict[str, list[Prospect]]:
    """The network's prospects grouped by stage, in the pipeline's order."""
    stages: dict[str, list[Prospect]] = {status: [] for status in Prospect.Status.values}
    for prospect in Prospect.objects.filter(network=network).select_related("reached_by"):
        stages[prospect.status].append(prospect)
    return stages


def active_members_of(*, meta: Network) -> list[MemberNetwork]:
    """The local networks that are members now (requests and invitations left out)."""
    return list(
        MemberNetwork.objects.filter(meta=meta, status=MemberNetwork.Status.ACTIVE)
        .select_related("local")
        .order_by("local__slug")
    )


def _people_keys(locals_: list[Network]) -> dict[int, dict[str, str]]:
    """Per network id: lower-cased e-mail -> name, of its active people with an e-mail (one query)."""
    keys: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Member.objects.active().people().filter(network__in=locals_).exclude(email="")
    for network_id, email, name in rows.values_list("network_id", "email", "name"):
        keys[network_id][email.strip().lower()] = name
    return keys


def _organisation_keys(locals_: list[Network]) -> dict[int, dict[str, str]]:
    """Per network id: name folded (case, spaces) -> name, of its active organisations (one query)."""
    keys: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Member.objects.active().organisations().filter(network__in=locals_)
    for network_id, name in rows.values_list("network_id", "name"):
        keys[network_id][" ".join(name.split()).lower()] = name
    return keys


def _shared_keys(links: list[MemberNetwork]) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    people = _people_keys([link.local for link in links if link.shares_people])
    organisations = _organisation_keys([link.local for link in links if link.shares_organisations])
    return people, organisations


def _counts(locals_: list[Network]) -> tuple[Counter, Counter]:
    members = Counter(
        dict(
            Member.objects.active()
            .filter(network__in=locals_)
            .values("network")
            .annotate(n=Count("id"))
            .values_list("network", "n")
        )
    )
    ties = Counter(
        dict(
            Relationship.objects.active()
            .filter(network__in=locals_, source__archived_at__isnull=True, target__archived_at__isnull=True)
            .values("network")
            .annotate(n=Count("id"))
            .values_list("network", "n")
        )
    )
    return members, ties


def meta_figures(*, meta: Network) -> tuple[list[figures.LocalFigures], list[MemberNetwork]]:
    """Each member network's figures, with people and organisation keys where agreed."""
    links = active_members_of(meta=meta)
    members, ties = _counts([link.local for link in links])
    people, organisations = _shared_keys(links)
    result = []
    for link in links:
        local = link.local
        result.append(
            figures.LocalFigures(
                key=local.slug,
                members=members[local.pk],
                ties=ties[local.pk],
                people=frozenset(people[local.pk]) if link.shares_people else None,
                organisations=frozenset(organisations[local.pk]) if link.shares_organisations else None,
            )
        )
    return result, links


def meta_map(*, meta: Network) -> dict:
    """The meta map: local networks (named, with their figures and agreement) and the counts they share."""
    locals_, links = meta_figures(meta=meta)
    result = figures.meta_map(locals_)
    by_slug = {link.local.slug: link for link in links}
    for node in result["nodes"]:
        link = by_slug[node["network"]]
        node["name"] = link.local.name
        node["sharing"] = link.sharing
    return result


def scale_crossers(*, meta: Network) -> list[dict]:
    """People (by e-mail) and organisations (by name) in two or more member networks that share them."""
    links = active_members_of(meta=meta)
    people_by_id, organisations_by_id = _shared_keys(links)
    people = {link.local.slug: people_by_id[link.local.pk] for link in links if link.shares_people}
    organisations = {
        link.local.slug: organisations_by_id[link.local.pk] for link in links if link.shares_organisations
    }
    names = {link.local.slug: link.local.name for link in links}
    confirmed = set(OrganisationMatch.objects.filter(meta=meta).values_list("key", flat=True))
    rows = []
    for kind, keyed in ((Member.Kind.PERSON, people), (Member.Kind.ORGANISATION, organisations)):
        found = figures.crossers({slug: frozenset(keys) for slug, keys in keyed.items()})
        for key, slugs in found.items():
            rows.append(
                {
                    "kind": kind,
                    "name": keyed[slugs[0]][key],
                    "email": key if kind == Member.Kind.PERSON else "",
                    "key": key,
                    # E-mails identify a person; a shared name is only a guess until a steward confirms it.
                    "confirmed": kind == Member.Kind.PERSON or key in confirmed,
                    "networks": [
                        {"slug": slug, "name": names[slug], "as": keyed[slug][key]} for slug in slugs
                    ],
                }
            )
    return rows


def meta_memberships(*, network: Network) -> dict[str, list[MemberNetwork]]:
    """This network's links as a meta-network (its member networks) and as a local one (its meta-networks)."""
    links = MemberNetwork.objects.filter(Q(meta=network) | Q(local=network)).select_related("meta", "local")
    sides: dict[str, list[MemberNetwork]] = defaultdict(list)
    for link in links:
        sides["members" if link.meta_id == network.pk else "metas"].append(link)
    return {"members": sides["members"], "metas": sides["metas"]}
