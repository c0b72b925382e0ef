"""Spreadsheets in: read a Kumu-style workbook or a pair of CSV files, plan the changes, apply them.

Reading and planning never write. `import_apply` writes a plan with no bad rows, all or nothing,
with bulk statements (50,000 ties in a few seconds) and history rows carrying the acting user.
"""

import csv
import datetime
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from networks.models import ImportBatch, ImportFile, Member, Network, Relationship, Tag

MEMBER_SHEET = "Elements"
TIE_SHEET = "Connections"
LIST_SEPARATOR = "|"
# Spreadsheet programs run cells starting with these as formulas; exports prefix them with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")
# A zip (xlsx or CSVs) may expand far beyond its upload size; refuse archives that would.
MAX_EXPANSION = 10

MEMBER_COLUMNS = {
    "label": "label",
    "name": "label",
    "type": "type",
    "kind": "type",
    "email": "email",
    "e-mail": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "organisations": "organisation",
    "organizations": "organisation",
    "community": "community",
    "location": "location",
    "tags": "tags",
    "tag": "tags",
    "description": "description",
}
TIE_COLUMNS = {
    "from": "from",
    "to": "to",
    "type": "type",
    "strength": "strength",
    "direction": "direction",
}
MEMBER_KINDS = {
    "person": Member.Kind.PERSON,
    "people": Member.Kind.PERSON,
    "organisation": Member.Kind.ORGANISATION,
    "organization": Member.Kind.ORGANISATION,
}
DIRECTIONS = set(Relationship.Direction.values)
_LENGTHS = {"label": 200, "community": 120, "location": 120, "tag": 80, "type": 60}


def neutralise(value: str) -> str:
    """A cell value safe from formula injection; `unneutralise` gives the value back exactly."""
    if value and (value[0] in FORMULA_STARTS or (value[0] == "'" and value[1:2] in _ESCAPED_STARTS)):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    if value[:1] == "'" and value[1:2] and value[1] in _ESCAPED_STARTS:
        return value[1:]
    return value


def max_upload_bytes() -> int:
    return settings.WEAVER_MAX_UPLOAD_MB * 1024 * 1024


def too_large_message(name: str, size: int) -> str:
    return (
        f"“{name}” is {size / 1024 / 1024:.1f} MB; the limit is {settings.WEAVER_MAX_UPLOAD_MB} MB. "
        "Split it into smaller files, or remove unused columns and sheets."
    )


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class BadRow:
    sheet: str
    line: int | None
    reason: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "line": self.line, "reason": self.reason}

    def __str__(self) -> str:
        where = f"{self.sheet}, line {self.line}" if self.line else self.sheet
        return f"{where}: {self.reason}"


@dataclass
class Table:
    """One sheet or CSV file: canonical column name → position, and its non-empty rows with line numbers."""

    sheet: str
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]

    def has(self, column: str) -> bool:
        return column in self.columns

    def cell(self, cells: list[str], column: str) -> str | None:
        """The cell's text, or None when the table has no such column."""
        index = self.columns.get(column)
        if index is None:
            return None
        return cells[index] if index < len(cells) else ""


@dataclass
class ReadResult:
    members: Table | None = None
    ties: Table | None = None
    bad_rows: list[BadRow] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


# Reading ---------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return unneutralise(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _normalise_header(value: str) -> str:
    return " ".join(value.strip().lower().split())


def _columns(header: list[str], aliases: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        canonical = aliases.get(_normalise_header(raw))
        if canonical and canonical not in columns:
            columns[canonical] = index
    return columns


def _table(sheet: str, header: list[str], rows, aliases: dict[str, str]) -> Table:
    body = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    return Table(sheet=sheet, columns=_columns(header, aliases), rows=body)


def _zip_too_big(archive: zipfile.ZipFile) -> bool:
    return sum(info.file_size for info in archive.infolist()) > MAX_EXPANSION * max_upload_bytes()


def _read_workbook(name: str, content: bytes, result: ReadResult) -> None:
    # openpyxl parses the workbook's XML through defusedxml when it is installed (it is a dependency).
    from openpyxl import load_workbook

    not_workbook = BadRow(name, None, "This is not a valid .xlsx workbook (it may be damaged).")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        result.bad_rows.append(not_workbook)
        return
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if _zip_too_big(archive):
            result.bad_rows.append(BadRow(name, None, "This workbook holds too much data to import."))
            return
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on damaged or foreign files.
        result.bad_rows.append(not_workbook)
        return
    try:
        sheets = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        found = ", ".join(f"“{ws.title}”" for ws in workbook.worksheets) or "none"
        for sheet_name, aliases, slot in (
            (MEMBER_SHEET, MEMBER_COLUMNS, "members"),
            (TIE_SHEET, TIE_COLUMNS, "ties"),
        ):
            ws = sheets.get(sheet_name.lower())
            if ws is None:
                result.bad_rows.append(
                    BadRow(name, None, f"The workbook has no sheet called “{sheet_name}” (it has: {found}).")
                )
                continue
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            header_cells = [_cell_text(v) for v in header]
            body = ((line, [_cell_text(v) for v in row]) for line, row in enumerate(rows, start=2))
            _assign(result, slot, _table(sheet_name, header_cells, body, aliases), name)
    finally:
        workbook.close()


def _sniff_delimiter(text: str) -> str:
    lines = text[:65536].splitlines()
    first = lines[0] if lines else ""
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in first:
        return delimiter
    # The sniffer can be fooled by commas inside descriptions; the header row decides then.
    counts = {d: first.count(d) for d in ",;\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(name: str, content: bytes, result: ReadResult) -> None:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        result.bad_rows.append(
            BadRow(name, None, "Bad encoding: this file is UTF-16. In Excel, save it as “CSV UTF-8”.")
        )
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        result.bad_rows.append(
            BadRow(
                name,
                line,
                "Bad encoding: this file is not UTF-8 text. In Excel, save it as “CSV UTF-8”; "
                "in other programs choose the UTF-8 encoding.",
            )
        )
        return
    if "\x00" in text:
        result.bad_rows.append(BadRow(name, None, "This does not look like a CSV text file."))
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_line = 0
    try:
        for cells in reader:
            line, previous_line = previous_line + 1, reader.line_num
            cells = [unneutralise(c) for c in cells]
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            rows.append((line, cells))
    except csv.Error as exc:
        result.bad_rows.append(BadRow(name, reader.line_num, f"This line cannot be read as CSV ({exc})."))
        return
    if header is None:
        result.bad_rows.append(BadRow(name, None, "The file is empty."))
        return
    names = {_normalise_header(h) for h in header}
    if {"label", "name"} & names:
        _assign(result, "members", _table(name, header, rows, MEMBER_COLUMNS), name)
    elif {"from", "to"} <= names:
        _assign(result, "ties", _table(name, header, rows, TIE_COLUMNS), name)
    else:
        result.bad_rows.append(
            BadRow(
                name,
                1,
                "Missing required column: a members file needs a “Label” (or “Name”) column, "
                "a ties file needs “From” and “To” columns.",
            )
        )


def _read_zip(name: str, content: bytes, result: ReadResult) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        result.bad_rows.append(BadRow(name, None, "This is not a valid .zip file."))
        return
    with archive:
        if _zip_too_big(archive):
            result.bad_rows.append(BadRow(name, None, "This .zip holds too much data to import."))
            return
        entries = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(".csv")
            and not info.filename.startswith("__MACOSX/")
        ]
        if not entries:
            result.bad_rows.append(BadRow(name, None, "This .zip contains no .csv files."))
        for info in entries:
            _read_csv(info.filename.rsplit("/", 1)[-1], archive.read(info), result)


def _assign(result: ReadResult, slot: str, table: Table, name: str) -> None:
    existing = getattr(result, slot)
    if existing is not None:
        what = "members" if slot == "members" else "ties"
        result.bad_rows.append(
            BadRow(
                name,
                None,
                f"More than one {what} table ({existing.sheet} and {table.sheet}). "
                "Upload one workbook, or one members CSV and one ties CSV.",
            )
        )
        return
    setattr(result, slot, table)


def read_files(files: list[SourceFile]) -> ReadResult:
    """Read uploaded spreadsheets into a members table and a ties table, collecting file-level problems."""
    result = ReadResult(names=[f.name for f in files])
    for source in files:
        if len(source.content) > max_upload_bytes():
            result.bad_rows.append(
                BadRow(source.name, None, too_large_message(source.name, len(source.content)))
            )
            continue
        extension = source.name.lower().rsplit(".", 1)[-1] if "." in source.name else ""
        if extension in ("xlsx", "xlsm"):
            _read_workbook(source.name, source.content, result)
        elif extension in ("csv", "tsv", "txt"):
            _read_csv(source.name, source.content, result)
        elif extension == "zip":
            _read_zip(source.name, source.content, result)
        elif extension == "xls":
            result.bad_rows.append(
                BadRow(
                    source.name,
                    None,
                    "This is an old Excel file (.xls). In Excel choose Save As › Excel Workbook (.xlsx).",
                )
            )
        else:
            result.bad_rows.append(
                BadRow(source.name, None, "Not an .xlsx workbook or a .csv file, so it cannot be imported.")
            )
    for table, required in ((result.members, ("label",)), (result.ties, ("from", "to"))):
        if table is None:
            continue
        for column in required:
            if not table.has(column):
                label = {"label": "“Label” (or “Name”)", "from": "“From”", "to": "“To”"}[column]
                result.bad_rows.append(BadRow(table.sheet, 1, f"Missing required column {label}."))
    if result.members is None and result.ties is None and not result.bad_rows:
        result.bad_rows.append(
            BadRow(", ".join(result.names) or "upload", None, "There is nothing to import.")
        )
    return result


# Planning --------------------------------------------------------------------------------------


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
    relationship: Relationship | None = None
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
    bad_rows: list[BadRow] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.bad_rows

    def counts(self) -> dict:
        return {
            "members": {
                "create": sum(1 for n in self.nodes if n.is_new),
                "update": sum(1 for n in self.nodes if not n.is_new and n.touched),
                "unchanged": self.members_unchanged,
            },
            "ties": {
                "create": sum(1 for t in self.ties if t.relationship is None),
                "update": sum(1 for t in self.ties if t.relationship is not None and t.changed),
                "unchanged": self.ties_unchanged,
            },
        }

    def summary(self) -> dict:
        return {
            **self.counts(),
            "files": self.names,
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


class _Planner:
    def __init__(self, network: Network, read: ReadResult) -> None:
        self.network = network
        self.read = read
        self.problems = _Problems()
        self.plan = ImportPlan(network=network, names=read.names)
        self.existing = _load_existing(network)
        self.new_nodes: list[_Node] = []
        self.file_nodes: list[_Node] = []
        self.by_email: dict[str, _Node] = {}
        self.by_label: dict[str, list[_Node]] = defaultdict(list)
        self.bad_refs: dict[str, int] = {}
        self.today = timezone.localdate()

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
                reasons.append(f"The label is longer than {_LENGTHS['label']} characters.")
            if email:
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
                    reasons.append(f"{column.title()} is longer than {_LENGTHS[column]} characters.")
            values["description"] = table.cell(cells, "description")
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
            for rel in Relationship.objects.filter(network=self.network, ended_on__isnull=True).only(
                "id", "source_id", "target_id", "kind", "strength", "direction"
            ):
                tie = _Tie(
                    source=by_key[rel.source_id],
                    target=by_key[rel.target_id],
                    kind=rel.kind,
                    strength=rel.strength,
                    direction=rel.direction,
                    relationship=rel,
                )
                index[(rel.source_id, rel.target_id, rel.kind)] = tie
        sheet = table.sheet
        unchanged = 0
        for line, cells in table.rows:
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
                reasons.append(f"Type is longer than {_LENGTHS['type']} characters.")
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


def import_plan(*, network: Network, read: ReadResult) -> ImportPlan:
    """What importing these tables into the network would change; reads only, never writes."""
    return _Planner(network, read).run()


def import_preview(*, network: Network, files: list[SourceFile]) -> ImportPlan:
    """Read the files and plan their import, without writing anything."""
    return import_plan(network=network, read=read_files(files))


# Applying --------------------------------------------------------------------------------------


def _chunks(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _tags_by_name(network: Network, names: set[str]) -> dict[str, Tag]:
    wanted = {n.lower(): n for n in names}
    found: dict[str, Tag] = {}
    for chunk in _chunks(list(wanted)):
        for tag in Tag.objects.annotate(lname=Lower("name")).filter(network=network, lname__in=chunk):
            found[tag.name.lower()] = tag
    missing = [Tag(network=network, name=wanted[key]) for key in wanted if key not in found]
    if missing:
        Tag.objects.bulk_create(missing, batch_size=1000)
        for tag in missing:
            found[tag.name.lower()] = tag
    return found


def _replace_links(through, owner_field: str, owners: list[int], rows: list) -> None:
    for chunk in _chunks(owners):
        through.objects.filter(**{f"{owner_field}__in": chunk}).delete()
    through.objects.bulk_create(rows, batch_size=2000)


def _m2m_history(history_rows: list) -> None:
    """Snapshot members' tags and organisations beside their history rows, as simple_history does on save."""
    if not history_rows:
        return
    by_member = {row.id: row for row in history_rows}
    for m2m_field, owner_field in (
        (Member.tags.field, "member_id"),
        (Member.organisations.field, "from_member_id"),
    ):
        through = m2m_field.remote_field.through
        history_model = apps.get_model("networks", f"HistoricalMember_{m2m_field.name}")
        attnames = [f.attname for f in through._meta.fields]
        rows = []
        for chunk in _chunks(list(by_member)):
            for values in through.objects.filter(**{f"{owner_field}__in": chunk}).values_list(*attnames):
                data = dict(zip(attnames, values, strict=True))
                rows.append(history_model(history_id=by_member[data[owner_field]].pk, **data))
        history_model.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def import_apply(*, user, network: Network, plan: ImportPlan) -> dict:
    """Write a plan with no bad rows in one transaction; returns the counts of what changed."""
    if not plan.is_valid:
        raise ValidationError(f"The file has {len(plan.bad_rows)} bad rows, so nothing was imported.")
    if plan.network.pk != network.pk:
        raise ValidationError("This import was planned for another network.")
    user = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    reason = "Imported from a spreadsheet"
    history = Member.history

    new_members = [n.member for n in plan.nodes if n.is_new]
    for member in new_members:
        member.network = network
    changed_nodes = [n for n in plan.nodes if not n.is_new and n.changed]
    try:
        Member.objects.bulk_create(new_members, batch_size=1000)
        if changed_nodes:
            fields = sorted(set().union(*(n.changed for n in changed_nodes)) | {"updated_at"})
            for node in changed_nodes:
                node.member.updated_at = now
            Member.objects.bulk_update([n.member for n in changed_nodes], fields, batch_size=500)

        tag_nodes = [n for n in plan.nodes if n.tags_changed]
        if tag_nodes:
            tags = _tags_by_name(network, {t for n in tag_nodes for t in n.tags})
            through = Member.tags.through
            _replace_links(
                through,
                "member_id",
                [n.member.pk for n in tag_nodes if not n.is_new],
                [
                    through(member_id=n.member.pk, tag_id=tags[t.lower()].pk)
                    for n in tag_nodes
                    for t in n.tags
                ],
            )
        org_nodes = [n for n in plan.nodes if n.orgs_changed]
        if org_nodes:
            through = Member.organisations.through
            _replace_links(
                through,
                "from_member_id",
                [n.member.pk for n in org_nodes if not n.is_new],
                [
                    through(from_member_id=n.member.pk, to_member_id=o.member.pk)
                    for n in org_nodes
                    for o in n.orgs
                ],
            )

        history_rows = (
            history.bulk_history_create(
                new_members,
                default_user=user,
                default_change_reason=reason,
                default_date=now,
                batch_size=1000,
            )
            or []
        )
        history_rows += (
            history.bulk_history_create(
                [n.member for n in plan.nodes if not n.is_new],
                update=True,
                default_user=user,
                default_change_reason=reason,
                default_date=now,
                batch_size=1000,
            )
            or []
        )
        _m2m_history(history_rows)

        detail = ("Imported from " + ", ".join(plan.names))[:200]
        new_ties = [
            Relationship(
                network=network,
                source_id=t.source.member.pk,
                target_id=t.target.member.pk,
                kind=t.kind,
                strength=t.strength,
                direction=t.direction,
                started_on=now.date(),
                provenance=Relationship.Provenance.IMPORT,
                provenance_detail=detail,
            )
            for t in plan.ties
            if t.relationship is None
        ]
        if new_ties:
            bulk_create_with_history(
                new_ties,
                Relationship,
                batch_size=1000,
                default_user=user,
                default_change_reason=reason,
                default_date=now,
            )
        changed_ties = [t for t in plan.ties if t.relationship is not None]
        if changed_ties:
            relationships = []
            for tie in changed_ties:
                rel = tie.relationship
                rel.source_id, rel.target_id = tie.source.member.pk, tie.target.member.pk
                rel.strength, rel.direction, rel.updated_at = tie.strength, tie.direction, now
                relationships.append(rel)
            bulk_update_with_history(
                relationships,
                Relationship,
                ["source", "target", "strength", "direction", "updated_at"],
                batch_size=500,
                default_user=user,
                default_change_reason=reason,
                default_date=now,
            )
    except IntegrityError:
        # Someone changed the same members or ties while this import ran.
        raise ValidationError(
            "The network changed while importing; nothing was imported. Try again."
        ) from None
    return plan.counts()


def import_run(*, user, network: Network, read: ReadResult, dry_run: bool = False) -> ImportPlan:
    """Plan and (unless dry_run or there are bad rows) apply an import, holding the network's lock."""
    with transaction.atomic():
        if network.pk is not None:
            Network.objects.select_for_update().filter(pk=network.pk).first()
        plan = import_plan(network=network, read=read)
        if plan.is_valid and not dry_run:
            import_apply(user=user, network=network, plan=plan)
    return plan


def batch_files(batch: ImportBatch) -> list[SourceFile]:
    return [SourceFile(name=f.name, content=bytes(f.content)) for f in batch.files.order_by("pk")]


@transaction.atomic
def import_batch_create(*, user, network: Network, files: list[SourceFile]) -> ImportBatch:
    """Store uploaded files as a batch with its preview (counts and bad rows); writes no members or ties."""
    plan = import_preview(network=network, files=files)
    batch = ImportBatch.objects.create(
        network=network,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        status=ImportBatch.Status.PREVIEWED if plan.is_valid else ImportBatch.Status.REJECTED,
        summary=plan.summary(),
    )
    ImportFile.objects.bulk_create([ImportFile(batch=batch, name=f.name, content=f.content) for f in files])
    return batch


def import_batch_apply(*, user, batch: ImportBatch) -> ImportPlan:
    """Apply a previewed batch once, re-planning against the network as it is now."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.APPLIED:
            raise ValidationError("This import has already been applied.")
        plan = import_run(user=user, network=batch.network, read=read_files(batch_files(batch)))
        batch.summary = plan.summary()
        if plan.is_valid:
            batch.status = ImportBatch.Status.APPLIED
            batch.applied_at = timezone.now()
        else:
            batch.status = ImportBatch.Status.REJECTED
        batch.save(update_fields=["summary", "status", "applied_at"])
    return plan
