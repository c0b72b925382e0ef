"""The change history of members and relationships, told in plain words for the pages.

Reads django-simple-history records; each entry says who, when and what changed. The tag and
organisation records written right after a save (seconds apart, same person) are told with that
save, as the person made them in one edit.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import formats
from simple_history.utils import get_m2m_reverse_field_name

from networks.models import Member, Network, Relationship, Tag

MERGE_WINDOW = dt.timedelta(seconds=5)
MEMBER_FIELDS_SKIPPED = {"network", "user"}
RELATIONSHIP_FIELDS_SKIPPED = {"network", "source", "target", "provenance_detail", "provenance_key"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    is_many: bool = False


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    action: str
    changes: list[FieldChange]
    object_key: tuple
    user_id: int | None
    history_type: str


class _Names:
    """Names of members and tags referenced by history rows, fetched once per page."""

    def __init__(self):
        self.members: dict[int, str] = {}
        self.tags: dict[int, str] = {}

    def member(self, pk) -> str:
        if pk is None:
            return "(nobody)"
        if pk not in self.members:
            self.members[pk] = Member.objects.filter(pk=pk).values_list("name", flat=True).first() or (
                "a deleted member"
            )
        return self.members[pk]

    def tag(self, pk) -> str:
        if pk not in self.tags:
            self.tags[pk] = (
                Tag.objects.filter(pk=pk).values_list("name", flat=True).first() or "a deleted tag"
            )
        return self.tags[pk]


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "Weaver"
    return user.get_full_name() or user.get_username()


def _display(model, name: str, value) -> str:
    if value is None or value == "":
        return "(empty)"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return formats.date_format(value, "j M Y, H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "j M Y")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _changes(record, prev, model, skipped: set[str], names: _Names) -> list[FieldChange]:
    delta = record.diff_against(prev, excluded_fields=skipped)
    changes = []
    for change in delta.changes:
        model_field = model._meta.get_field(change.field)
        if model_field.many_to_many:
            key = get_m2m_reverse_field_name(model_field)
            lookup = names.tag if model_field.related_model is Tag else names.member
            old = {lookup(row[key]) for row in change.old}
            new = {lookup(row[key]) for row in change.new}
            changes.append(
                FieldChange(
                    label=_label(model, change.field),
                    old=", ".join(sorted(old)) or "(none)",
                    new=", ".join(sorted(new)) or "(none)",
                    added=sorted(new - old),
                    removed=sorted(old - new),
                    is_many=True,
                )
            )
        else:
            changes.append(
                FieldChange(
                    label=_label(model, change.field),
                    old=_display(model, change.field, change.old),
                    new=_display(model, change.field, change.new),
                )
            )
    return changes


def _member_entries(records, names: _Names, only: set[int] | None = None) -> list[HistoryEntry]:
    entries = []
    prev_by_id: dict[int, object] = {}
    for record in records:
        prev = prev_by_id.get(record.id)
        prev_by_id[record.id] = record
        if only is not None and record.history_id not in only:
            continue
        kind = "organisation" if record.kind == Member.Kind.ORGANISATION else "person"
        changes: list[FieldChange] = []
        if record.history_type == "+" or prev is None:
            action = f"added {record.name} ({kind})"
        elif record.history_type == "-":
            action = f"deleted {record.name}"
        else:
            changes = _changes(record, prev, Member, MEMBER_FIELDS_SKIPPED, names)
            if not changes:
                continue
            archived = [c for c in changes if c.label == _label(Member, "archived_at")]
            if archived and len(changes) == 1:
                action = f"archived {record.name}" if record.archived_at else f"brought {record.name} back"
                changes = []
            else:
                action = f"changed {record.name}"
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=_who(record),
                action=action,
                changes=changes,
                object_key=("member", record.id),
                user_id=record.history_user_id,
                history_type=record.history_type,
            )
        )
    return entries


def _relationship_entries(records, names: _Names, only: set[int] | None = None) -> list[HistoryEntry]:
    entries = []
    prev_by_id: dict[int, object] = {}
    for record in records:
        prev = prev_by_id.get(record.id)
        prev_by_id[record.id] = record
        if only is not None and record.history_id not in only:
            continue
        a, b = names.member(record.source_id), names.member(record.target_id)
        pair = f"{a} → {b}" if record.direction == Relationship.Direction.DIRECTED else f"{a} and {b}"
        changes: list[FieldChange] = []
        if record.history_type == "+" or prev is None:
            action = f"connected {pair} ({record.kind}, strength {record.strength})"
        elif record.history_type == "-":
            action = f"deleted the “{record.kind}” relationship between {pair}"
        else:
            changes = _changes(record, prev, Relationship, RELATIONSHIP_FIELDS_SKIPPED, names)
            if not changes:
                continue
            if prev.ended_on is None and record.ended_on is not None:
                action = f"ended the “{record.kind}” relationship between {pair}"
                changes = [c for c in changes if c.label != _label(Relationship, "ended_on")]
            else:
                action = f"changed the “{record.kind}” relationship between {pair}"
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=_who(record),
                action=action,
                changes=changes,
                object_key=("relationship", record.id),
                user_id=record.history_user_id,
                history_type=record.history_type,
            )
        )
    return entries


def _merge_bursts(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """Fold the tag and organisation records that follow a save into the entry of that save."""
    merged: list[HistoryEntry] = []
    last_by_object: dict[tuple, HistoryEntry] = {}
    for entry in sorted(entries, key=lambda e: e.when):
        last = last_by_object.get(entry.object_key)
        if (
            last is not None
            and entry.history_type == "~"
            and entry.changes
            and all(change.is_many for change in entry.changes)
            and last.history_type in {"+", "~"}
            and entry.user_id == last.user_id
            and entry.when - last.when <= MERGE_WINDOW
        ):
            last.changes.extend(entry.changes)
            continue
        merged.append(entry)
        last_by_object[entry.object_key] = entry
    return merged


def member_history(member: Member, *, limit: int = 100) -> list[HistoryEntry]:
    """Changes to this member and to their relationships, newest first."""
    names = _Names()
    member_records = Member.history.filter(id=member.pk).select_related("history_user")
    tie_records = Relationship.history.filter(Q(source_id=member.pk) | Q(target_id=member.pk)).select_related(
        "history_user"
    )
    entries = _member_entries(member_records.order_by("history_date", "history_id"), names)
    entries += _relationship_entries(tie_records.order_by("history_date", "history_id"), names)
    return sorted(_merge_bursts(entries), key=lambda e: e.when, reverse=True)[:limit]


def network_recent_changes(network: Network, *, limit: int = 10) -> list[HistoryEntry]:
    """The latest changes to a network's members and relationships, newest first."""
    names = _Names()
    # Twice the limit, so follow-up records merged into their edit still leave `limit` entries.
    window = limit * 2
    latest_members = list(
        Member.history.filter(network_id=network.pk)
        .order_by("-history_date", "-history_id")
        .values_list("history_id", "id", "history_date")[:window]
    )
    latest_ties = list(
        Relationship.history.filter(network_id=network.pk)
        .order_by("-history_date", "-history_id")
        .values_list("history_id", "id", "history_date")[:window]
    )
    cutoff = sorted((row[2] for row in latest_members + latest_ties), reverse=True)[window - 1 : window]
    if cutoff:
        latest_members = [row for row in latest_members if row[2] >= cutoff[0]]
        latest_ties = [row for row in latest_ties if row[2] >= cutoff[0]]
    # Whole histories of those objects, so each change can be compared with the one before it.
    member_records = (
        Member.history.filter(id__in={row[1] for row in latest_members})
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    tie_records = (
        Relationship.history.filter(id__in={row[1] for row in latest_ties})
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries = _member_entries(member_records, names, {row[0] for row in latest_members})
    entries += _relationship_entries(tie_records, names, {row[0] for row in latest_ties})
    return sorted(_merge_bursts(entries), key=lambda e: e.when, reverse=True)[:limit]
