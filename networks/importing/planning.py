"""Planning an import: match the tables' rows to the network's members and ties; never writes.

Members match by email when given, else by label (trimmed, case-insensitive). A tie is its two
ends and its type; A–B and B–A are the same tie unless both say they are directed.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from networks.importing.reading import (
    LIST_SEPARATOR,
    MEMBER_SHEET,
    BadRow,
    ReadResult,
    SourceFile,
    Table,
    read_files,
)
from networks.models import Member, Network, Relationship, Tag
from weaver.lib import limits
from weaver.lib.limits import too_long_message

MEMBER_KINDS = {
    "person": Member.Kind.PERSON,
    "people": Member.Kind.PERSON,
    "organisation": Member.Kind.ORGANISATION,
    "organization": Member.Kind.ORGANISATION,
}
DIRECTIONS = set(Relationship.Direction.values)
_LENGTHS = {
    name: Member._meta.get_field(field).max_length
    for name, field in (
        ("label", "name"),
        ("email", "email"),
        ("community", "community"),
        ("location", "location"),
    )
} | {"tag": Tag._meta.get_field("name").max_length, "type": Relationship._meta.get_field("kind").max_length}


@dataclass(eq=False)
class _Node:
    """A member as it will be after the import: an existing row (maybe changed) or a new one."""

    member: Member
    key: int
    is_new: bool = False
    line: int | None = None
    changed: set[str] = field(default_factory=set)
    old_tags: set[str] = field(default_factory=set)
    old_orgs: set[int] = field(default_factory=set)
    tags: list[str] | None = None
    org_refs: list[str] | None = None
    orgs: list["_Node"] | None = None
    tags_changed: bool = False
    orgs_changed: bool = False

    @property
    def touched(self) -> bool:
        return bool(self.changed) or self.tags_changed or self.orgs_changed


@dataclass(eq=False)
class _Tie:
    source: _Node
    target: _Node
    kind: str
    strength: int
    direction: str
    relationship_id: int | None = None  # the existing tie; None for a new one
    line: int | None = None
    changed: set[str] = field(default_factory=set)


@dataclass
class ImportPlan:
    """What an import would do: members and ties to create, update or leave, and every bad row."""

    network: Network
    nodes: list[_Node] = field(default_factory=list)
    ties: list[_Tie] = field(default_factory=list)
    members_unchanged: int = 0
    ties_unchanged: int = 0
    # Archived members the file names: imports never bring a member back, so say which stay archived.
    archived: list[str] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.bad_rows

    @property
    def archived_note(self) -> str:
        if not self.archived:
            return ""
        names = ", ".join(self.archived[:5]) + (
            f" and {len(self.archived) - 5} more" if len(self.archived) > 5 else ""
        )
        return f"The file names archived members, who stay archived: {names}. Bring them back on their page."

    def counts(self) -> dict:
        return {
            "members": {
                "create": sum(1 for n in self.nodes if n.is_new),
                "update": sum(1 for n in self.nodes if not n.is_new and n.touched),
                "unchanged": self.members_unchanged,
            },
            "ties": {
                "create": sum(1 for t in self.ties if t.relationship_id is None),
                "update": sum(1 for t in self.ties if t.relationship_id is not None and t.changed),
                "unchanged": self.ties_unchanged,
            },
        }

    def summary(self) -> dict:
        return {
            **self.counts(),
            "files": self.names,
            "archived": self.archived,
            "bad_rows": [b.as_dict() for b in self.bad_rows],
        }


class _Problems:
    """Reasons per (sheet, line), so a row with several problems is listed once."""

    def __init__(self) -> None:
        self.reasons: dict[tuple[str, int | None], list[str]] = {}

    def add(self, sheet: str, line: int | None, reason: str) -> None:
        self.reasons.setdefault((sheet, line), []).append(reason)

    def has(self, sheet: str, line: int | None) -> bool:
        return (sheet, line) in self.reasons

    def rows(self) -> list[BadRow]:
        sheets: dict[str, int] = {}
        for sheet, _ in self.reasons:
            sheets.setdefault(sheet, len(sheets))
        ordered = sorted(self.reasons.items(), key=lambda item: (sheets[item[0][0]], item[0][1] or 0))
        return [BadRow(sheet, line, " ".join(reasons)) for (sheet, line), reasons in ordered]


def _split_list(value: str) -> list[str]:
    seen: dict[str, str] = {}
    for part in value.split(LIST_SEPARATOR):
        part = part.strip()
        if part:
            seen.setdefault(part.lower(), part)
    return list(seen.values())


def _load_existing(network: Network) -> list[_Node]:
    if network.pk is None:
        return []
    nodes = {m.pk: _Node(member=m, key=m.pk) for m in Member.objects.filter(network=network).order_by("pk")}
    tag_through = Member.tags.through
    for member_id, name in tag_through.objects.filter(member__network=network).values_list(
        "member_id", "tag__name"
    ):
        nodes[member_id].old_tags.add(name.lower())
    org_through = Member.organisations.through
    for person_id, org_id in org_through.objects.filter(from_member__network=network).values_list(
        "from_member_id", "to_member_id"
    ):
        nodes[person_id].old_orgs.add(org_id)
    return list(nodes.values())


# Planning reports its progress every this many rows.
PROGRESS_EVERY = 2000


class _Planner:
    def __init__(self, network: Network, read: ReadResult, progress: Callable[[int], None] | None) -> None:
        self.network = network
        self.read = read
        self.progress = progress
        self.rows_done = 0
        self.problems = _Problems()
        self.plan = ImportPlan(network=network, names=read.names)
        self.existing = _load_existing(network)
        self.new_nodes: list[_Node] = []
        self.file_nodes: list[_Node] = []
        self.by_email: dict[str, _Node] = {}
        self.by_label: dict[str, list[_Node]] = defaultdict(list)
        self.bad_refs: dict[str, int] = {}
        self.today = timezone.localdate()

    def _row_done(self) -> None:
        self.rows_done += 1
        if self.progress is not None and self.rows_done % PROGRESS_EVERY == 0:
            self.progress(self.rows_done)

    def run(self) -> ImportPlan:
        for bad in self.read.bad_rows:
            self.problems.add(bad.sheet, bad.line, bad.reason)
        if self.read.members is not None and self.read.members.has("label"):
            self._plan_members(self.read.members)
        self._index_final()
        if self.read.members is not None and self.read.members.has("label"):
            self._plan_organisations(self.read.members)
        if self.read.ties is not None and self.read.ties.has("from") and self.read.ties.has("to"):
            self._plan_ties(self.read.ties)
        for node in self.file_nodes:
            if node.tags is not None:
                node.tags_changed = {t.lower() for t in node.tags} != node.old_tags
            if node.orgs is not None:
                node.orgs_changed = (
                    any(o.is_new for o in node.orgs) or {o.key for o in node.orgs} != node.old_orgs
                )
        self.plan.nodes = [n for n in self.file_nodes if n.is_new or n.touched]
        self.plan.members_unchanged = sum(1 for n in self.file_nodes if not n.is_new and not n.touched)
        self.plan.archived = sorted(n.member.name for n in self.file_nodes if n.member.archived_at)
        self.plan.bad_rows = self.problems.rows()
        return self.plan

    # Members

    def _plan_members(self, table: Table) -> None:
        existing_by_email = {n.member.email.lower(): n for n in self.existing if n.member.email}
        existing_by_label: dict[str, list[_Node]] = defaultdict(list)
        for node in self.existing:
            existing_by_label[node.member.name.strip().lower()].append(node)
        seen_email: dict[str, int] = {}
        seen_label: dict[str, list[tuple[int, str]]] = defaultdict(list)
        claimed: dict[int, int] = {}
        next_key = -1
        sheet = table.sheet

        for line, cells in table.rows:
            self._row_done()
            reasons: list[str] = []
            label = (table.cell(cells, "label") or "").strip()
            raw_kind = (table.cell(cells, "type") or "").strip()
            email = (table.cell(cells, "email") or "").strip()
            kind = None
            if raw_kind:
                kind = MEMBER_KINDS.get(raw_kind.lower())
                if kind is None:
                    reasons.append(f"Type must be “person” or “organisation”, not “{raw_kind}”.")
            if not label:
                reasons.append("The label (name) is empty.")
            elif len(label) > _LENGTHS["label"]:
                reasons.append(too_long_message("Label", len(label), _LENGTHS["label"]))
            if len(email) > _LENGTHS["email"]:
                reasons.append(too_long_message("Email", len(email), _LENGTHS["email"]))
                email = ""
            elif email:
                try:
                    validate_email(email)
                except ValidationError:
                    reasons.append(f"“{email}” is not a valid email address.")
                    email = ""
            values: dict[str, str | None] = {}
            for column in ("community", "location"):
                value = table.cell(cells, column)
                values[column] = value.strip() if value is not None else None
                if value is not None and len(values[column]) > _LENGTHS[column]:
                    reasons.append(too_long_message(column.title(), len(values[column]), _LENGTHS[column]))
            description = values["description"] = table.cell(cells, "description")
            if description is not None and len(description) > limits.DESCRIPTION:
                reasons.append(too_long_message("Description", len(description), limits.DESCRIPTION))
            raw_tags = table.cell(cells, "tags")
            tags = _split_list(raw_tags) if raw_tags is not None else None
            for tag in tags or ():
                if len(tag) > _LENGTHS["tag"]:
                    reasons.append(f"The tag “{tag[:30]}…” is longer than {_LENGTHS['tag']} characters.")
            raw_orgs = table.cell(cells, "organisation")
            org_refs = _split_list(raw_orgs) if raw_orgs is not None else None

            label_key = label.lower()
            email_key = email.lower()
            if email_key:
                if email_key in seen_email:
                    reasons.append(f"The email {email} is also on line {seen_email[email_key]}.")
                else:
                    seen_email[email_key] = line
            if label_key:
                clash = next(
                    (prev for prev, prev_email in seen_label[label_key] if not (email_key and prev_email)),
                    None,
                )
                if clash is not None:
                    reasons.append(
                        f"Line {clash} has the same label “{label}” and one of them has no email, "
                        "so they cannot be told apart. Add an email to each, or merge the rows."
                    )
                seen_label[label_key].append((line, email_key))

            node = None
            if label_key and not reasons:
                if email_key and email_key in existing_by_email:
                    node = existing_by_email[email_key]
                else:
                    candidates = existing_by_label.get(label_key, [])
                    if email_key:
                        candidates = [n for n in candidates if not n.member.email and n.key not in claimed]
                    if len(candidates) > 1:
                        reasons.append(
                            f"The network already has {len(candidates)} members called “{label}” "
                            f"{'without an email ' if email_key else ''}"
                            "so this row could be any of them. Add the email of the one you mean."
                        )
                    elif candidates:
                        node = candidates[0]
                if node is not None and node.key in claimed:
                    reasons.append(
                        f"Line {claimed[node.key]} already refers to the member “{node.member.name}”."
                    )
            if reasons:
                for ref in (label_key, email_key):
                    if ref:
                        self.bad_refs.setdefault(ref, line)
                self.problems.add(sheet, line, " ".join(reasons))
                continue

            if node is None:
                member = Member(
                    network=self.network if self.network.pk else None,
                    kind=kind or Member.Kind.PERSON,
                    name=label,
                    email=email,
                    community=values["community"] or "",
                    location=values["location"] or "",
                    description=values["description"] or "",
                    joined_on=self.today,
                )
                node = _Node(member=member, key=next_key, is_new=True)
                next_key -= 1
                self.new_nodes.append(node)
            else:
                claimed[node.key] = line
                member = node.member
                updates = {"name": label, "kind": kind, **values}
                if email and not member.email:
                    updates["email"] = email
                for name, value in updates.items():
                    if value is not None and getattr(member, name) != value:
                        setattr(member, name, value)
                        node.changed.add(name)
            node.line = line
            node.tags = tags
            node.org_refs = org_refs
            self.file_nodes.append(node)

    def _index_final(self) -> None:
        for node in (*self.existing, *self.new_nodes):
            if node.member.email:
                self.by_email[node.member.email.lower()] = node
            self.by_label[node.member.name.strip().lower()].append(node)

    def _resolve(self, ref: str) -> tuple[_Node | None, str]:
        key = ref.strip().lower()
        node = self.by_email.get(key)
        if node is not None:
            return node, ""
        candidates = self.by_label.get(key, [])
        if len(candidates) == 1:
            return candidates[0], ""
        if candidates:
            return None, (
                f"“{ref}” could be any of {len(candidates)} members with that name; use their email instead."
            )
        if key in self.bad_refs:
            sheet = self.read.members.sheet if self.read.members else MEMBER_SHEET
            return None, f"“{ref}” is on a bad row ({sheet}, line {self.bad_refs[key]})."
        return None, f"Unknown member “{ref}”: not in the members list and not yet in the network."

    def _plan_organisations(self, table: Table) -> None:
        for node in self.file_nodes:
            if node.org_refs is None:
                continue
            reasons = []
            if node.org_refs and node.member.kind != Member.Kind.PERSON:
                reasons.append("Only people can belong to organisations; this row is an organisation.")
            orgs: list[_Node] = []
            for ref in node.org_refs:
                org, problem = self._resolve(ref)
                if org is None:
                    reasons.append(f"Organisation: {problem}")
                elif org.member.kind != Member.Kind.ORGANISATION:
                    reasons.append(f"Organisation: “{ref}” is a person, not an organisation.")
                elif org not in orgs:
                    orgs.append(org)
            if reasons:
                self.problems.add(table.sheet, node.line, " ".join(reasons))
            node.orgs = orgs

    # Ties

    def _plan_ties(self, table: Table) -> None:
        index: dict[tuple[int, int, str], _Tie] = {}
        if self.network.pk is not None:
            by_key = {n.key: n for n in self.existing}
            # Plain tuples: model instances for every tie of a large network cost seconds (the apply
            # loads the few that change).
            for pk, source_id, target_id, kind, strength, direction in Relationship.objects.filter(
                network=self.network, ended_on__isnull=True
            ).values_list("id", "source_id", "target_id", "kind", "strength", "direction"):
                tie = _Tie(
                    source=by_key[source_id],
                    target=by_key[target_id],
                    kind=kind,
                    strength=strength,
                    direction=direction,
                    relationship_id=pk,
                )
                index[(source_id, target_id, kind)] = tie
        sheet = table.sheet
        unchanged = 0
        for line, cells in table.rows:
            self._row_done()
            reasons = []
            ends = []
            for column, title in (("from", "From"), ("to", "To")):
                ref = (table.cell(cells, column) or "").strip()
                if not ref:
                    reasons.append(f"{title} is empty.")
                    ends.append(None)
                    continue
                node, problem = self._resolve(ref)
                if node is None:
                    reasons.append(f"{title}: {problem}")
                ends.append(node)
            source, target = ends
            kind = (table.cell(cells, "type") or "").strip().lower() or "knows"
            if len(kind) > _LENGTHS["type"]:
                reasons.append(too_long_message("Type", len(kind), _LENGTHS["type"]))
            strength = None
            raw_strength = (table.cell(cells, "strength") or "").strip()
            if raw_strength:
                try:
                    number = Decimal(raw_strength)
                except InvalidOperation:
                    reasons.append(f"Strength “{raw_strength}” is not a number (use 1 to 5).")
                else:
                    if not number.is_finite() or number != number.to_integral_value() or not 1 <= number <= 5:
                        reasons.append(f"Strength must be a whole number from 1 to 5, not {raw_strength}.")
                    else:
                        strength = int(number)
            raw_direction = (table.cell(cells, "direction") or "").strip()
            direction = raw_direction.lower() or None
            if direction is not None and direction not in DIRECTIONS:
                reasons.append(
                    f"Direction must be “directed”, “undirected” or “mutual”, not “{raw_direction}”."
                )
            if source is not None and source is target:
                reasons.append(
                    "A member cannot have a tie with themselves "
                    f"(From and To are both “{source.member.name}”)."
                )
            if reasons:
                self.problems.add(sheet, line, " ".join(reasons))
                continue

            tie = index.get((source.key, target.key, kind))
            if tie is None:
                reverse = index.get((target.key, source.key, kind))
                # A–B and B–A are the same tie unless both say they are directed.
                if reverse is not None and not (
                    direction == Relationship.Direction.DIRECTED
                    and reverse.direction == Relationship.Direction.DIRECTED
                ):
                    tie = reverse
            if tie is not None and tie.line is not None:
                wanted_strength = strength if strength is not None else tie.strength
                wanted_direction = direction or tie.direction
                if (wanted_strength, wanted_direction) != (tie.strength, tie.direction):
                    self.problems.add(
                        sheet,
                        line,
                        f"Line {tie.line} already gives this tie ({source.member.name} – "
                        f"{target.member.name}, {kind}) with strength {tie.strength} and direction "
                        f"{tie.direction}.",
                    )
                continue
            if tie is None:
                tie = _Tie(
                    source=source,
                    target=target,
                    kind=kind,
                    strength=strength if strength is not None else 3,
                    direction=direction or Relationship.Direction.UNDIRECTED,
                    line=line,
                )
                index[(source.key, target.key, kind)] = tie
                self.plan.ties.append(tie)
                continue
            tie.line = line
            if strength is not None and strength != tie.strength:
                tie.strength = strength
                tie.changed.add("strength")
            if direction is not None and direction != tie.direction:
                tie.direction = direction
                tie.changed.add("direction")
            if direction == Relationship.Direction.DIRECTED and tie.source is not source:
                tie.source, tie.target = source, target
                tie.changed.update({"source", "target"})
            if tie.changed:
                self.plan.ties.append(tie)
            else:
                unchanged += 1
        self.plan.ties_unchanged = unchanged


def import_plan(
    *, network: Network, read: ReadResult, progress: Callable[[int], None] | None = None
) -> ImportPlan:
    """What importing these tables into the network would change; reads only, never writes.

    `progress`, if given, is called with the number of rows planned so far, now and then.
    """
    return _Planner(network, read, progress).run()


def import_preview(*, network: Network, files: list[SourceFile]) -> ImportPlan:
    """Read the files and plan their import, without writing anything."""
    return import_plan(network=network, read=read_files(files))
