import io
import zipfile

import pytest
from openpyxl import load_workbook

from networks.exporting import export_csv, export_rows, export_xlsx, export_zip
from networks.importing import SourceFile, import_run, read_files
from networks.models import Member, Relationship, Tag
from tests.factories import MemberFactory, NetworkFactory, OrganisationFactory, RelationshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(network):
    clinic = OrganisationFactory(network=network, name="=Clinic", community="North")
    school = OrganisationFactory(network=network, name="River School", email="school@example.org")
    ana = MemberFactory(
        network=network,
        name="Ana Lopez",
        email="ana@example.org",
        community="-North",
        location="@home",
        description="+1 for peer assists,\nand a second line; with “quotes”.",
    )
    ana.organisations.set([clinic, school])
    ana.tags.set([Tag.objects.create(network=network, name=n) for n in ("nurse", "=lead")])
    ben = MemberFactory(network=network, name="Ben", email="", community="")
    chen = MemberFactory(network=network, name="Chen Wu", email="chen@example.org")
    gone = MemberFactory(network=network, name="Archived", archived_at="2024-01-01T00:00:00Z")
    RelationshipFactory(network=network, source=ana, target=ben, kind="knows", strength=5)
    RelationshipFactory(network=network, source=ben, target=chen, kind="mentors", direction="directed")
    RelationshipFactory(network=network, source=chen, target=clinic, kind="works with", direction="mutual")
    RelationshipFactory(network=network, source=ana, target=gone)
    RelationshipFactory(network=network, source=ben, target=ana, kind="old", ended_on="2024-01-01")
    return network


def snapshot(network) -> tuple[set, set]:
    members = {
        (
            m.name,
            m.kind,
            m.email,
            m.community,
            m.location,
            m.description,
            frozenset(t.name for t in m.tags.all()),
            frozenset(o.name for o in m.organisations.all()),
        )
        for m in Member.objects.active().filter(network=network)
    }
    ties = {
        (r.source.name, r.target.name, r.kind, r.strength, r.direction)
        for r in Relationship.objects.active().filter(
            network=network, source__archived_at__isnull=True, target__archived_at__isnull=True
        )
    }
    return members, ties


def test_exporting_then_importing_a_workbook_into_an_empty_network_gives_the_same_members_and_ties(populated):
    content = export_xlsx(network=populated)
    empty = NetworkFactory(slug="copy")

    plan = import_run(user=None, network=empty, read=read_files([SourceFile("export.xlsx", content)]))

    assert plan.bad_rows == []
    assert snapshot(empty) == snapshot(populated)
    assert len(snapshot(empty)[1]) == 3


def test_exporting_then_importing_the_csv_zip_gives_the_same_members_and_ties(populated):
    content = export_zip(network=populated)
    empty = NetworkFactory(slug="copy")

    plan = import_run(user=None, network=empty, read=read_files([SourceFile("export.zip", content)]))

    assert plan.bad_rows == []
    assert snapshot(empty) == snapshot(populated)


def test_reimporting_an_export_into_its_own_network_changes_nothing(populated):
    plan = import_run(
        user=None, network=populated, read=read_files([SourceFile("x.xlsx", export_xlsx(network=populated))])
    )

    assert plan.counts() == {
        "members": {"create": 0, "update": 0, "unchanged": 5},
        "ties": {"create": 0, "update": 0, "unchanged": 3},
    }


def test_cells_that_would_run_as_formulas_are_neutralised_in_the_workbook(populated):
    book = load_workbook(io.BytesIO(export_xlsx(network=populated)))
    values = [cell.value for row in book["Elements"].iter_rows() for cell in row]

    assert "'=Clinic" in values
    assert "'-North" in values
    assert "'@home" in values
    assert "'=lead|nurse" in values
    assert "'+1 for peer assists,\nand a second line; with “quotes”." in values
    assert all(cell.data_type != "f" for row in book["Elements"].iter_rows() for cell in row)


def test_cells_that_would_run_as_formulas_are_neutralised_in_the_csv_files(populated):
    members_csv, ties_csv = export_csv(network=populated)
    text = members_csv.decode("utf-8-sig")

    assert text.startswith("Label,Type,Email,Organisation")
    assert "'=Clinic" in text
    assert ",'-North," in text
    assert "\"'+1 for peer assists," in text
    assert "'=Clinic" in ties_csv.decode("utf-8-sig")
    assert members_csv.startswith(b"\xef\xbb\xbf")


def test_export_refers_to_members_by_email_when_they_have_one(populated):
    members, ties = export_rows(network=populated)

    assert ties[1][:2] == ["ana@example.org", "Ben"]
    ana = next(row for row in members if row[0] == "Ana Lopez")
    assert ana[3] == "'=Clinic|school@example.org"


def test_archived_members_and_ended_ties_are_left_out(populated):
    members, ties = export_rows(network=populated)

    assert "Archived" not in {row[0] for row in members}
    assert "old" not in {row[2] for row in ties}


def test_the_zip_holds_a_members_and_a_ties_csv(populated):
    with zipfile.ZipFile(io.BytesIO(export_zip(network=populated))) as archive:
        names = archive.namelist()

    assert len(names) == 2
    assert names[0].startswith("healthy-valleys-members-") and names[0].endswith(".csv")
    assert names[1].startswith("healthy-valleys-ties-")


def test_an_empty_network_exports_headers_only(network):
    members, ties = export_rows(network=network)

    assert members == [
        ["Label", "Type", "Email", "Organisation", "Community", "Location", "Tags", "Description"]
    ]
    assert ties == [["From", "To", "Type", "Strength", "Direction"]]


def test_the_workbook_records_each_sheets_size_so_readers_need_not_scan_it_first(populated):
    content = export_xlsx(network=populated)

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b'<dimension ref="A1:H6"/>' in archive.read("xl/worksheets/sheet1.xml")
        assert b'<dimension ref="A1:E4"/>' in archive.read("xl/worksheets/sheet2.xml")
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert (book["Elements"].max_row, book["Connections"].max_row) == (6, 4)
