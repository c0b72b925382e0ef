"""Spreadsheets out: the network's active members and ties in the formats the importer reads.

Members are referred to by email when they have one, else by label, as the importer matches them.
Every text cell goes through `neutralise`, so a spreadsheet program never runs it as a formula.
"""

import csv
import io
import zipfile
from collections import defaultdict

from django.utils import timezone

from networks.importing import LIST_SEPARATOR, MEMBER_SHEET, TIE_SHEET, neutralise
from networks.models import Member, Network, Relationship

MEMBER_HEADER = ["Label", "Type", "Email", "Organisation", "Community", "Location", "Tags", "Description"]
TIE_HEADER = ["From", "To", "Type", "Strength", "Direction"]


def _safe(row: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in row]


def export_rows(*, network: Network) -> tuple[list[list], list[list]]:
    """The Elements and Connections rows (headers first) of the network's active members and ties."""
    members = list(
        Member.objects.active()
        .filter(network=network)
        .order_by("kind", "name", "pk")
        .values_list("pk", "kind", "name", "email", "community", "location", "description")
    )
    ref = {pk: email or name for pk, _, name, email, *_ in members}
    tags: dict[int, list[str]] = defaultdict(list)
    for member_id, name in (
        Member.tags.through.objects.filter(member__network=network)
        .order_by("tag__name")
        .values_list("member_id", "tag__name")
    ):
        tags[member_id].append(name)
    orgs: dict[int, list[str]] = defaultdict(list)
    for person_id, org_id in Member.organisations.through.objects.filter(
        from_member__network=network
    ).values_list("from_member_id", "to_member_id"):
        if org_id in ref:
            orgs[person_id].append(ref[org_id])

    member_rows = [MEMBER_HEADER]
    for pk, kind, name, email, community, location, description in members:
        member_rows.append(
            _safe(
                [
                    name,
                    kind,
                    email,
                    LIST_SEPARATOR.join(sorted(orgs[pk], key=str.lower)),
                    community,
                    location,
                    LIST_SEPARATOR.join(tags[pk]),
                    description,
                ]
            )
        )
    tie_rows = [TIE_HEADER]
    for source_id, target_id, kind, strength, direction in (
        Relationship.objects.active()
        .filter(network=network, source__archived_at__isnull=True, target__archived_at__isnull=True)
        .order_by("pk")
        .values_list("source_id", "target_id", "kind", "strength", "direction")
    ):
        tie_rows.append(_safe([ref[source_id], ref[target_id], kind, strength, direction]))
    return member_rows, tie_rows


def export_xlsx(*, network: Network) -> bytes:
    """A Kumu-style workbook with sheets Elements and Connections."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    member_rows, tie_rows = export_rows(network=network)
    # Write-only mode streams rows, so a 50,000-tie export needs little memory.
    workbook = Workbook(write_only=True)
    sizes = {}
    for number, (title, rows) in enumerate(((MEMBER_SHEET, member_rows), (TIE_SHEET, tie_rows)), start=1):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sizes[f"xl/worksheets/sheet{number}.xml"] = f"A1:{get_column_letter(len(rows[0]))}{len(rows)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_dimensions(buffer.getvalue(), sizes)


def _with_dimensions(content: bytes, sizes: dict[str, str]) -> bytes:
    """Record each sheet's size, which write-only mode leaves out.

    Without it, readers such as openpyxl scan every sheet once more just to size it: reading back
    a 10,000-member / 50,000-tie export took 6.9 s with it and 8.7 s without.
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename in sizes:
                dimension = f'</sheetPr><dimension ref="{sizes[info.filename]}"/>'.encode()
                data = data.replace(b"</sheetPr>", dimension, 1)
            target.writestr(info, data)
    return out.getvalue()


def _csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    return buffer.getvalue().encode("utf-8-sig")


def export_csv(*, network: Network) -> tuple[bytes, bytes]:
    """The members CSV and the ties CSV (UTF-8 with a byte-order mark, comma-separated)."""
    member_rows, tie_rows = export_rows(network=network)
    return _csv_bytes(member_rows), _csv_bytes(tie_rows)


def export_filename(network: Network, what: str) -> str:
    return f"{network.slug}-{what}-{timezone.localdate().isoformat()}"


def export_zip(*, network: Network) -> bytes:
    """A .zip holding the members and ties CSV files."""
    members_csv, ties_csv = export_csv(network=network)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(export_filename(network, "members") + ".csv", members_csv)
        archive.writestr(export_filename(network, "ties") + ".csv", ties_csv)
    return buffer.getvalue()
