"""Reads that span models: the metric graph's rows, the current snapshot."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, Subquery

from networks.models import (
    Member,
    MemberMetric,
    Network,
    NetworkRole,
    Relationship,
    Role,
    Snapshot,
    SnapshotTies,
    SuggestionDecision,
)


def network_graph_rows(
    *, network: Network, metrics_of: int | None = None, metric_fields: tuple[str, ...] = ()
) -> tuple[list[dict], list[dict]]:
    """Active members and active ties (strongest per pair) as plain rows for networks.metrics.

    With `metrics_of` (a snapshot id), each member row also carries that snapshot's `metric_fields`
    as `metric_<name>` (None for a member the snapshot does not have), in the same query.
    """
    columns = {}
    members = Member.objects.active().filter(network=network)
    if metrics_of is not None:
        members = members.annotate(
            snapshot_row=FilteredRelation("metrics", condition=Q(metrics__snapshot_id=metrics_of))
        )
        columns = {f"metric_{name}": F(f"snapshot_row__{name}") for name in metric_fields}
    members = list(members.order_by("id").values("id", "name", "kind", "community", "email", **columns))
    affiliations: dict[int, list[int]] = {}
    for person_id, org_id in Member.organisations.through.objects.filter(
        from_member__network=network, from_member__archived_at__isnull=True
    ).values_list("from_member_id", "to_member_id"):
        affiliations.setdefault(person_id, []).append(org_id)
    for row in members:
        row["label"] = row.pop("name")
        row["organisations"] = sorted(affiliations.get(row["id"], []))

    ties = list(
        Relationship.objects.active()
        .filter(network=network, source__archived_at__isnull=True, target__archived_at__isnull=True)
        .values("source_id", "target_id")
        .annotate(strength=Max("strength"))
        .order_by("source_id", "target_id")
    )
    return members, [
        {"source": t["source_id"], "target": t["target_id"], "strength": t["strength"]} for t in ties
    ]


def snapshots_done(*, network: Network):
    """Done snapshots, latest first: the one rule for "current" (callers may pick columns)."""
    return Snapshot.objects.filter(network=network, status=Snapshot.Status.DONE).order_by(
        "-finished_at", "-id"
    )


# Columns of a snapshot that only some reads need; the rest of the row is small.
SNAPSHOT_LARGE_FIELDS = ("views", "suggestions", "bridges", "gatekeepers", "communities")


def snapshot_current(*, network: Network, fields: tuple[str, ...] = ()) -> Snapshot | None:
    """The latest done snapshot: what pages and the API show (a running or failed one never replaces it).

    Without its large columns, but those named in `fields` (reading another one costs a query).
    """
    deferred = [name for name in SNAPSHOT_LARGE_FIELDS if name not in fields]
    return snapshots_done(network=network).defer(*deferred).first()


def snapshot_ties(*, snapshot: Snapshot, view: str) -> list[list[int]]:
    """A view's ties as the snapshot stored them (the organisations view's projections), [[a, b, weight]]."""
    return (
        SnapshotTies.objects.filter(snapshot=snapshot, view=view).values_list("ties", flat=True).first() or []
    )


@dataclass(frozen=True)
class SnapshotReader:
    """Who reads which done snapshot of which network, from snapshot_reader's one query."""

    user: object
    roles: frozenset[str]
    network: Network | None  # id, slug and name only
    snapshot_id: int | None
    finished_at: datetime | None
    versions: tuple  # of the live rows the response shows beside the snapshot (see snapshot_reader)

    @property
    def may_read(self) -> bool:
        return self.network is not None and (bool(self.roles) or self.user.is_superuser)


VERSIONED = ("members", "ties", "answered", "last_answer")


def _latest_id(queryset, field: str = "pk"):
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


# Stand-ins for the values of snapshot_reader's query, whose SQL is built once per process and shape:
# building and compiling it through the ORM costs ~3x its run time on a cached read.
_SLUG, _TOKEN, _USER, _SNAPSHOT = "\x00slug", "\x00token", -7_340_001, -7_340_002
_READER_SQL: dict[tuple, tuple[str, tuple]] = {}


def _reader_queryset(*, slug, token_key, user_id, snapshot_id, live: bool, decisions: bool):
    done = Snapshot.objects.filter(network__slug=slug, status=Snapshot.Status.DONE)
    done = (done.filter(pk=snapshot_id) if snapshot_id else done).order_by("-finished_at", "-id")
    network = Network.objects.filter(slug=slug)
    roles = NetworkRole.objects.filter(user=OuterRef("pk"), network__slug=slug)
    annotations = {
        "reader_network": Subquery(network.values("id")[:1]),
        "reader_network_name": Subquery(network.values("name")[:1]),
        "reader_snapshot": Subquery(done.values("id")[:1]),
        "reader_finished": Subquery(done.values("finished_at")[:1]),
        **{f"reader_role_{role}": Exists(roles.filter(role=role)) for role in Role.values},
    }
    if live:
        annotations["reader_members"] = _latest_id(Member.history.all(), "history_id")
        annotations["reader_ties"] = _latest_id(Relationship.history.all(), "history_id")
    if decisions:
        answered = SuggestionDecision.objects.filter(network__slug=slug).order_by().values("network")
        annotations["reader_answered"] = Subquery(answered.annotate(n=Count("pk")).values("n")[:1])
        annotations["reader_last_answer"] = _latest_id(SuggestionDecision.objects.filter(network__slug=slug))
    users = get_user_model().objects.filter(is_active=True)
    users = users.filter(auth_token__key=token_key) if token_key is not None else users.filter(pk=user_id)
    return users.annotate(**annotations).order_by("pk")[:1]


def snapshot_reader(
    *,
    slug: str,
    token_key: str | None = None,
    user_id: int | None = None,
    snapshot_id: int | None = None,
    live: bool = False,
    decisions: bool = False,
) -> SnapshotReader | None:
    """In one query: the active user of a token key (or user id), their roles in network `slug`, its
    current done snapshot (or its done snapshot `snapshot_id`); None when there is no such user.

    live=True adds the latest change to any member or relationship (their history), decisions=True the
    network's suggestion answers, so a response showing those rows too changes when they do.
    """
    by_token, shape = token_key is not None, (bool(snapshot_id), live, decisions)
    key = (connection.vendor, by_token, *shape)
    if key not in _READER_SQL:
        query = _reader_queryset(
            slug=_SLUG,
            token_key=_TOKEN if by_token else None,
            user_id=None if by_token else _USER,
            snapshot_id=_SNAPSHOT if snapshot_id else None,
            live=live,
            decisions=decisions,
        ).query
        _READER_SQL[key] = query.sql_with_params()
    sql, stand_ins = _READER_SQL[key]
    values = {_SLUG: slug, _TOKEN: token_key, _USER: user_id, _SNAPSHOT: snapshot_id}
    params = [values[p] if isinstance(p, str | int) and p in values else p for p in stand_ins]
    user = next(iter(get_user_model().objects.raw(sql, params)), None)
    if user is None:
        return None
    finished = user.reader_finished
    if isinstance(finished, str):  # SQLite gives a subquery's datetime as its text
        finished = datetime.fromisoformat(finished)
        finished = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
    return SnapshotReader(
        user=user,
        roles=frozenset(role for role in Role.values if getattr(user, f"reader_role_{role}")),
        network=Network(pk=user.reader_network, slug=slug, name=user.reader_network_name)
        if user.reader_network is not None
        else None,
        snapshot_id=user.reader_snapshot,
        finished_at=finished,
        versions=tuple(getattr(user, f"reader_{part}", None) for part in VERSIONED),
    )


def snapshot_pending(*, network: Network) -> Snapshot | None:
    """The queued or running snapshot, if any, without its large columns."""
    return (
        Snapshot.objects.filter(network=network, status__in=[Snapshot.Status.QUEUED, Snapshot.Status.RUNNING])
        .defer(*SNAPSHOT_LARGE_FIELDS)
        .order_by("-created_at", "-id")
        .first()
    )


def snapshot_pending_and_finished(*, network: Network) -> tuple[Snapshot | None, Snapshot | None]:
    """In one query, for progress bars: the queued or running snapshot, and the latest done or failed one."""
    finished = Snapshot.objects.filter(
        network=network, status__in=[Snapshot.Status.DONE, Snapshot.Status.FAILED]
    ).order_by("-finished_at", "-id")
    rows = (
        Snapshot.objects.filter(network=network)
        .filter(
            Q(status__in=[Snapshot.Status.QUEUED, Snapshot.Status.RUNNING])
            | Q(pk__in=Subquery(finished.values("pk")[:1]))
        )
        .defer(*SNAPSHOT_LARGE_FIELDS)
        .order_by("-created_at", "-id")
    )
    pending = finished_one = None
    for snapshot in rows:
        if snapshot.is_finished:
            finished_one = snapshot
        elif pending is None:
            pending = snapshot
    return pending, finished_one


def _ties_as_of(*, network: Network, when, members: set[int]) -> set[tuple[int, int]]:
    """Member pairs with an active tie at `when` (from the change history), both ends in `members`."""
    latest: dict[int, tuple] = {}
    rows = (
        Relationship.history.filter(network_id=network.pk, history_date__lte=when)
        .latest_of_each()
        .order_by("history_date", "history_id")
        .values_list("id", "source_id", "target_id", "ended_on", "history_type")
    )
    for row in rows:
        latest[row[0]] = row  # two records at the same instant: the later history_id wins
    pairs = set()
    for _, source, target, ended_on, history_type in latest.values():
        if history_type != "-" and ended_on is None and source in members and target in members:
            pairs.add((min(source, target), max(source, target)))
    return pairs


COMPARED_FIGURES = (
    "members",
    "ties",
    "density",
    "average_clustering",
    "unclosed_pairs",
    "periphery_share",
    "communities",
    "bridges",
    "gatekeepers",
)


def snapshot_compare(*, older: Snapshot, newer: Snapshot) -> dict:
    """What changed between two done snapshots: members, ties, triangles closed, who left the periphery."""

    def rows(snapshot):
        return {
            member_id: roles
            for member_id, roles in MemberMetric.objects.filter(snapshot=snapshot).values_list(
                "member_id", "roles"
            )
        }

    before, after = rows(older), rows(newer)
    # The worker reads the graph right after it starts; a tie added while it ran is not in it.
    ties_before = _ties_as_of(
        network=older.network, when=older.started_at or older.finished_at, members=set(before)
    )
    ties_after = _ties_as_of(
        network=newer.network, when=newer.started_at or newer.finished_at, members=set(after)
    )
    new_ties = sorted(ties_after - ties_before)
    ended_ties = sorted(ties_before - ties_after)

    contacts: dict[int, set[int]] = {}
    for a, b in ties_before:
        contacts.setdefault(a, set()).add(b)
        contacts.setdefault(b, set()).add(a)
    closed = [(a, b, sorted(contacts.get(a, set()) & contacts.get(b, set()))) for a, b in new_ties]
    closed = [item for item in closed if item[2]]

    outer = {"peripheral", "isolate"}
    left_periphery = sorted(
        m for m, roles in after.items() if m in before and outer & set(before[m]) and not outer & set(roles)
    )
    new_members = sorted(set(after) - set(before))
    gone_members = sorted(set(before) - set(after))

    ids = set(new_members) | set(gone_members) | set(left_periphery)
    ids |= {m for pair in new_ties + ended_ties for m in pair}
    ids |= {m for _, _, shared in closed for m in shared}
    names = dict(Member.objects.filter(pk__in=ids).values_list("id", "name"))

    def member(pk):
        return {"id": pk, "name": names.get(pk, f"#{pk}")}

    def by_name(items):
        return sorted(items, key=lambda m: (m["name"].casefold(), m["id"]))

    def pair(a, b):
        first, second = sorted((member(a), member(b)), key=lambda m: (m["name"].casefold(), m["id"]))
        return {"a": first, "b": second}

    return {
        "older": older,
        "newer": newer,
        "new_members": by_name(member(m) for m in new_members),
        "gone_members": by_name(member(m) for m in gone_members),
        "new_ties": sorted((pair(a, b) for a, b in new_ties), key=lambda p: p["a"]["name"].casefold()),
        "ended_ties": sorted((pair(a, b) for a, b in ended_ties), key=lambda p: p["a"]["name"].casefold()),
        "triangles_closed": sorted(
            ({**pair(a, b), "shared": by_name(member(s) for s in shared)} for a, b, shared in closed),
            key=lambda p: p["a"]["name"].casefold(),
        ),
        "left_periphery": by_name(member(m) for m in left_periphery),
        "figures": [
            {
                "name": name,
                "older": older.figures.get(name),
                "newer": newer.figures.get(name),
            }
            for name in COMPARED_FIGURES
        ],
    }


@dataclass(frozen=True)
class CommunityCrossings:
    across: int  # ties whose two ends the snapshot put in different detected communities
    unplaced: int  # ties with an end the snapshot has no community for (a member newer than it, say)


def ties_across_communities(*, snapshot: Snapshot, ties) -> CommunityCrossings:
    """Of these (member id, member id) ties, how many join two communities the snapshot detected."""
    ties = list(ties)
    community = dict(
        MemberMetric.objects.filter(
            snapshot=snapshot, member_id__in={m for pair in ties for m in pair}, community__isnull=False
        ).values_list("member_id", "community")
    )
    placed = [(a, b) for a, b in ties if a in community and b in community]
    return CommunityCrossings(
        across=sum(1 for a, b in placed if community[a] != community[b]), unplaced=len(ties) - len(placed)
    )


@dataclass
class Account:
    user: object
    person: Member | None
    roles: list[str]  # Role values

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles]

    @property
    def name(self) -> str:
        # Never the username: coordinators must not learn other people's logins.
        return self.person.name if self.person else self.user.get_full_name() or f"Login {self.user.pk}"


def network_accounts(*, network: Network, user_id: int | None = None) -> list[Account]:
    """Every login holding a role in the network (or just this one), with its person there and its roles
    (two queries)."""
    by_user: dict[int, Account] = {}
    roles = network.roles.select_related("user").order_by("user__username", "role")
    for role in roles.filter(user_id=user_id) if user_id is not None else roles:
        account = by_user.setdefault(role.user_id, Account(user=role.user, person=None, roles=[]))
        account.roles.append(role.role)
    for person in Member.objects.filter(network=network, user_id__in=by_user):
        by_user[person.user_id].person = person
    return sorted(by_user.values(), key=lambda a: (a.person.name if a.person else a.user.username).lower())


def network_account(*, network: Network, user_id: int) -> Account | None:
    """One login's access to the network, or None when it holds no role there."""
    if not 0 < user_id < 2**63:
        # Key lookups do not guard the column's range: SQLite raises OverflowError on a larger id.
        return None
    found = network_accounts(network=network, user_id=user_id)
    return found[0] if found else None


def access_invitations_pending(*, network: Network):
    """The network's invitations not yet accepted, withdrawn or expired, newest first."""
    return network.invitations.pending().select_related("member", "created_by")


def role_holders(*, network: Network, role: str):
    """The logins holding this role in the network, by username."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(network_roles__network=network, network_roles__role=role)
        .order_by("username")
    )


def community_names(communities: list[dict]) -> dict[int, str]:
    """Names of detected communities, told apart with a letter when several share a place name."""
    named = [(c["id"], c.get("name") or f"Community {c['id'] + 1}") for c in communities]
    seen: dict[str, int] = {}
    for _, name in named:
        seen[name] = seen.get(name, 0) + 1
    letters: dict[str, int] = {}
    names = {}
    for community_id, name in named:
        if seen[name] > 1:
            letters[name] = letters.get(name, 0) + 1
            name = f"{name} {chr(64 + letters[name]) if letters[name] <= 26 else letters[name]}"
        names[community_id] = name
    return names
