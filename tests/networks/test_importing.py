import datetime
import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from networks.importing import (
    SourceFile,
    import_apply,
    import_preview,
    import_run,
    neutralise,
    read_files,
    unneutralise,
)
from networks.models import Member, Relationship
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory
from tests.fixtures.spreadsheets import MEMBERS, TIES, csv_bytes, csv_files, kumu_files, workbook

pytestmark = pytest.mark.django_db


def run(network, files, user=None, dry_run=False):
    return import_run(user=user, network=network, read=read_files(files), dry_run=dry_run)


def reasons(plan) -> list[tuple[str, int | None, str]]:
    return [(b.sheet, b.line, b.reason) for b in plan.bad_rows]


def test_a_kumu_workbook_creates_members_with_their_fields_tags_and_organisations(network, alice):
    plan = run(network, kumu_files(), user=alice)

    assert plan.bad_rows == []
    assert plan.counts() == {
        "members": {"create": 5, "update": 0, "unchanged": 0},
        "ties": {"create": 3, "update": 0, "unchanged": 0},
    }
    ben = Member.objects.get(network=network, email="ben@example.org")
    assert ben.kind == Member.Kind.PERSON
    assert ben.community == "South"
    assert sorted(o.name for o in ben.organisations.all()) == ["River School", "Valley Clinic"]
    ana = Member.objects.get(network=network, name="Ana Lopez")
    assert sorted(t.name for t in ana.tags.all()) == ["lead", "nurse"]
    assert ana.description == "Runs the pilot."
    clinic = Member.objects.get(network=network, name="Valley Clinic")
    assert clinic.kind == Member.Kind.ORGANISATION


def test_imported_ties_have_defaults_and_import_provenance(network, alice):
    run(network, kumu_files(), user=alice)

    ties = {(r.source.name, r.target.name, r.kind): r for r in Relationship.objects.filter(network=network)}
    knows = ties[("Ana Lopez", "Ben Okafor", "knows")]
    assert (knows.strength, knows.direction) == (4, "undirected")
    mentors = ties[("Ben Okafor", "Chen Wu", "mentors")]
    assert (mentors.strength, mentors.direction) == (3, "directed")
    default_type = ties[("Chen Wu", "Valley Clinic", "knows")]
    assert (default_type.strength, default_type.direction) == (2, "mutual")
    assert {r.provenance for r in ties.values()} == {Relationship.Provenance.IMPORT}


def test_an_import_is_recorded_in_history_with_the_acting_user(network, alice):
    run(network, kumu_files(), user=alice)

    ana = Member.objects.get(network=network, name="Ana Lopez")
    record = ana.history.get()
    assert (record.history_type, record.history_user) == ("+", alice)
    assert sorted(t.tag.name for t in record.tags.all()) == ["lead", "nurse"]
    assert [o.to_member.name for o in record.organisations.all()] == ["Valley Clinic"]
    tie = Relationship.objects.filter(network=network).first()
    assert tie.history.get().history_user == alice


def test_reimporting_the_same_file_changes_nothing(network, alice):
    run(network, kumu_files(), user=alice)
    before = Member.history.count(), Relationship.history.count()

    plan = run(network, kumu_files(), user=alice)

    assert plan.counts() == {
        "members": {"create": 0, "update": 0, "unchanged": 5},
        "ties": {"create": 0, "update": 0, "unchanged": 3},
    }
    assert (Member.history.count(), Relationship.history.count()) == before


def test_a_changed_row_updates_the_member_and_the_tie(network, alice):
    run(network, kumu_files(), user=alice)
    members = [row[:] for row in MEMBERS]
    members[3][4] = "East"
    members[3][5] = "nurse"
    ties = [row[:] for row in TIES]
    ties[1][3] = "5"

    plan = run(network, kumu_files(members, ties), user=alice)

    assert plan.counts()["members"] == {"create": 0, "update": 1, "unchanged": 4}
    assert plan.counts()["ties"] == {"create": 0, "update": 1, "unchanged": 2}
    ana = Member.objects.get(network=network, name="Ana Lopez")
    assert ana.community == "East"
    assert [t.name for t in ana.tags.all()] == ["nurse"]
    assert ana.history.first().history_type == "~"
    assert Relationship.objects.get(network=network, kind="knows", source=ana).strength == 5


def test_members_match_existing_ones_by_email_first_then_by_trimmed_case_insensitive_label(network):
    by_email = MemberFactory(network=network, name="Ana L.", email="ANA@example.org")
    by_label = MemberFactory(network=network, name="chen wu", email="")

    plan = run(network, kumu_files())

    assert plan.counts()["members"] == {"create": 3, "update": 2, "unchanged": 0}
    by_email.refresh_from_db()
    by_label.refresh_from_db()
    assert by_email.name == "Ana Lopez"
    assert by_label.name == "Chen Wu"
    assert Member.objects.filter(network=network).count() == 5


def test_an_email_in_the_file_is_added_to_a_member_matched_by_label(network):
    chen = MemberFactory(network=network, name="Chen Wu", email="")
    members = [MEMBERS[0], ["Chen Wu", "person", "chen@example.org"]]

    run(network, kumu_files(members, [TIES[0]]))

    chen.refresh_from_db()
    assert chen.email == "chen@example.org"


def test_organisations_may_be_ones_already_in_the_network(network):
    OrganisationFactory(network=network, name="Harbour Trust", email="trust@example.org")
    members = [["Name", "Organisation"], ["Dee", "Harbour Trust"], ["Eve", "trust@example.org"]]

    plan = run(network, csv_files(members, [["From", "To"]]))

    assert plan.bad_rows == []
    for name in ("Dee", "Eve"):
        person = Member.objects.get(network=network, name=name)
        assert [o.name for o in person.organisations.all()] == ["Harbour Trust"]


def test_a_tie_given_both_ways_round_is_one_tie(network):
    ties = [
        TIES[0],
        ["Ana Lopez", "Ben Okafor", "knows", "4", ""],
        ["Ben Okafor", "Ana Lopez", "knows", "4", ""],
    ]

    plan = run(network, kumu_files(MEMBERS, ties))

    assert plan.bad_rows == []
    assert Relationship.objects.filter(network=network).count() == 1


def test_an_existing_tie_matches_a_row_that_names_its_ends_the_other_way_round(network):
    ana = MemberFactory(network=network, name="Ana", email="")
    ben = MemberFactory(network=network, name="Ben", email="")
    RelationshipFactory(network=network, source=ana, target=ben, kind="knows", strength=3)

    plan = run(
        network, csv_files([["Label"], ["Ana"], ["Ben"]], [["From", "To", "Strength"], ["Ben", "Ana", "3"]])
    )

    assert plan.counts()["ties"] == {"create": 0, "update": 0, "unchanged": 1}


def test_directed_ties_each_way_are_two_ties(network):
    ties = [
        TIES[0],
        ["Ana Lopez", "Ben Okafor", "asks", "", "directed"],
        ["Ben Okafor", "Ana Lopez", "asks", "", "directed"],
    ]

    run(network, kumu_files(MEMBERS, ties))

    assert Relationship.objects.filter(network=network, kind="asks").count() == 2


def test_csv_with_bom_semicolons_and_windows_line_endings_is_read(network):
    files = [
        SourceFile("members.csv", b"\xef\xbb\xbf" + csv_bytes(MEMBERS, delimiter=";")),
        SourceFile("ties.csv", b"\xef\xbb\xbf" + csv_bytes(TIES, delimiter=";")),
    ]
    assert b"\r\n" in files[0].content

    plan = run(network, files)

    assert plan.bad_rows == []
    assert plan.counts()["members"]["create"] == 5
    assert plan.counts()["ties"]["create"] == 3
    assert Member.objects.get(network=network, name="Ana Lopez").community == "North"


def test_tab_separated_csv_files_are_read(network):
    plan = run(network, csv_files(delimiter="\t", lineterminator="\n"))

    assert plan.bad_rows == []
    assert Member.objects.filter(network=network).count() == 5


def test_a_csv_pair_is_told_apart_by_its_headers_in_any_order(network):
    files = list(reversed(csv_files()))

    plan = run(network, files)

    assert plan.bad_rows == []
    assert Relationship.objects.filter(network=network).count() == 3


def test_a_zip_of_the_two_csv_files_is_read(network):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for source in csv_files():
            archive.writestr(source.name, source.content)

    plan = run(network, [SourceFile("export.zip", buffer.getvalue())])

    assert plan.bad_rows == []
    assert Relationship.objects.filter(network=network).count() == 3


def test_headers_are_case_insensitive_and_name_may_stand_for_label(network):
    members = [["NAME", " e-mail ", "TYPE"], ["Ana", "ana@example.org", "PERSON"]]

    plan = run(network, csv_files(members, [["FROM", "TO"]]))

    assert plan.bad_rows == []
    assert Member.objects.get(network=network).email == "ana@example.org"


def test_neutralised_cells_are_read_back_exactly():
    for value in ["=SUM(A1)", "+1", "-5 people", "@home", "\tx", "'=x", "''", "'plain", "plain", ""]:
        assert unneutralise(neutralise(value)) == value
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert unneutralise("'plain") == "'plain"


def test_an_empty_spreadsheet_row_is_skipped_and_line_numbers_follow_the_sheet(network):
    members = [MEMBERS[0], MEMBERS[1], [None] * 7, ["", "person"]]

    plan = run(network, kumu_files(members, [TIES[0]]))

    assert reasons(plan) == [("Elements", 4, "The label (name) is empty.")]


def test_csv_line_numbers_count_lines_inside_quoted_cells(network):
    content = b'Label,Description\r\nAna,"two\r\nlines"\r\nBen,x\r\n,empty label\r\n'

    plan = run(network, [SourceFile("members.csv", content)])

    assert reasons(plan) == [("members.csv", 5, "The label (name) is empty.")]


BAD_ROWS = {
    "missing label column": (
        [["Email"], ["ana@example.org"]],
        [["From", "To"]],
        ("members.csv", 1, "Missing required column"),
    ),
    "missing To column": (
        [["Label"], ["Ana"]],
        [["From", "Type"], ["Ana", "knows"]],
        ("ties.csv", 1, "Missing required column"),
    ),
    "empty label": (
        [["Label", "Email"], ["", "x@example.org"]],
        None,
        ("members.csv", 2, "label (name) is empty"),
    ),
    "bad member type": ([["Label", "Type"], ["Ana", "robot"]], None, ("members.csv", 2, "Type must be")),
    "bad email": (
        [["Label", "Email"], ["Ana", "not-an-email"]],
        None,
        ("members.csv", 2, "not a valid email"),
    ),
    "email too long for the database": (
        [["Label", "Email"], ["Ana", "a" * 64 + "@" + "b" * 190 + ".org"]],
        None,
        ("members.csv", 2, "Email is too long: 259 characters, the limit is 254."),
    ),
    "duplicate email": (
        [["Label", "Email"], ["Ana", "a@example.org"], ["Ana B", "A@example.org"]],
        None,
        ("members.csv", 3, "also on line 2"),
    ),
    "duplicate label without email": (
        [["Label", "Email"], ["Ana", "a@example.org"], ["Ana", ""]],
        None,
        ("members.csv", 3, "cannot be told apart"),
    ),
    "unknown member in From": (
        [["Label"], ["Ana"]],
        [["From", "To"], ["Zed", "Ana"]],
        ("ties.csv", 2, "From: Unknown member “Zed”"),
    ),
    "unknown member in To": (
        [["Label"], ["Ana"]],
        [["From", "To"], ["Ana", "nobody@example.org"]],
        ("ties.csv", 2, "To: Unknown member"),
    ),
    "self-tie": ([["Label"], ["Ana"]], [["From", "To"], ["Ana", "ana"]], ("ties.csv", 2, "themselves")),
    "strength out of range": (
        [["Label"], ["Ana"], ["Ben"]],
        [["From", "To", "Strength"], ["Ana", "Ben", "6"]],
        ("ties.csv", 2, "whole number from 1 to 5"),
    ),
    "strength not whole": (
        [["Label"], ["Ana"], ["Ben"]],
        [["From", "To", "Strength"], ["Ana", "Ben", "2.5"]],
        ("ties.csv", 2, "whole number from 1 to 5"),
    ),
    "strength not a number": (
        [["Label"], ["Ana"], ["Ben"]],
        [["From", "To", "Strength"], ["Ana", "Ben", "strong"]],
        ("ties.csv", 2, "not a number"),
    ),
    "bad direction": (
        [["Label"], ["Ana"], ["Ben"]],
        [["From", "To", "Direction"], ["Ana", "Ben", "sideways"]],
        ("ties.csv", 2, "Direction must be"),
    ),
    "conflicting duplicate tie": (
        [["Label"], ["Ana"], ["Ben"]],
        [["From", "To", "Strength"], ["Ana", "Ben", "2"], ["Ben", "Ana", "5"]],
        ("ties.csv", 3, "Line 2 already gives this tie"),
    ),
    "organisation that is a person": (
        [["Label", "Organisation"], ["Ana", "Ben"], ["Ben", ""]],
        None,
        ("members.csv", 2, "is a person, not an organisation"),
    ),
    "unknown organisation": (
        [["Label", "Organisation"], ["Ana", "Nowhere Inc"]],
        None,
        ("members.csv", 2, "Organisation: Unknown member “Nowhere Inc”"),
    ),
    "tie to a bad member row": (
        [["Label", "Type"], ["Ana", "person"], ["Ben", "alien"]],
        [["From", "To"], ["Ana", "Ben"]],
        ("ties.csv", 2, "is on a bad row (members.csv, line 3)"),
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_each_kind_of_bad_row_is_reported_with_sheet_line_and_reason_and_nothing_is_written(network, case):
    members, ties, (sheet, line, reason) = BAD_ROWS[case]
    files = [SourceFile("members.csv", csv_bytes(members))]
    if ties is not None:
        files.append(SourceFile("ties.csv", csv_bytes(ties)))

    plan = run(network, files)

    assert not plan.is_valid
    assert any(b.sheet == sheet and b.line == line and reason in b.reason for b in plan.bad_rows), (
        plan.bad_rows
    )
    assert Member.objects.filter(network=network).count() == 0
    assert Relationship.objects.filter(network=network).count() == 0


def test_a_row_without_email_matching_two_existing_members_is_ambiguous(network):
    MemberFactory(network=network, name="Sam Lee", email="sam1@example.org")
    MemberFactory(network=network, name="Sam Lee", email="sam2@example.org")

    plan = run(network, [SourceFile("members.csv", csv_bytes([["Label"], ["sam lee"]]))])

    assert reasons(plan)[0][:2] == ("members.csv", 2)
    assert "already has 2 members called" in reasons(plan)[0][2]


def test_a_tie_naming_an_ambiguous_label_asks_for_the_email(network):
    MemberFactory(network=network, name="Sam Lee", email="sam1@example.org")
    MemberFactory(network=network, name="Sam Lee", email="sam2@example.org")
    MemberFactory(network=network, name="Ana", email="")

    plan = run(network, [SourceFile("ties.csv", csv_bytes([["From", "To"], ["Ana", "Sam Lee"]]))])

    assert "could be any of 2 members" in reasons(plan)[0][2]


def test_every_bad_row_is_listed_not_just_the_first(network):
    members = [["Label", "Type"], ["", "person"], ["Ana", "robot"], ["Ben", "person"]]
    ties = [["From", "To", "Strength"], ["Ana", "Ben", "9"], ["Ben", "Ben", "1"], ["Ben", "Zed", "x"]]

    plan = run(network, csv_files(members, ties))

    assert [(s, line) for s, line, _ in reasons(plan)] == [
        ("members.csv", 2),
        ("members.csv", 3),
        ("ties.csv", 2),
        ("ties.csv", 3),
        ("ties.csv", 4),
    ]
    assert "Unknown member “Zed”" in plan.bad_rows[-1].reason
    assert "not a number" in plan.bad_rows[-1].reason


def test_one_bad_row_among_good_ones_writes_nothing(network):
    ties = [*TIES, ["Ana Lopez", "Nobody", "knows", "3", ""]]

    plan = run(network, kumu_files(MEMBERS, ties))

    assert len(plan.bad_rows) == 1
    assert plan.counts()["members"]["create"] == 5
    assert Member.objects.filter(network=network).count() == 0


def test_import_apply_refuses_a_plan_with_bad_rows(network, alice):
    plan = import_preview(network=network, files=kumu_files(MEMBERS, [*TIES, ["Ana Lopez", "Nobody"]]))

    with pytest.raises(ValidationError):
        import_apply(user=alice, network=network, plan=plan)
    assert Member.objects.filter(network=network).count() == 0


def test_a_dry_run_writes_nothing(network):
    plan = run(network, kumu_files(), dry_run=True)

    assert plan.counts()["members"]["create"] == 5
    assert Member.objects.filter(network=network).count() == 0


def test_undecodable_bytes_are_a_bad_encoding_with_their_line(network):
    content = "Label\nAna\nJosé\n".encode("latin-1")

    plan = run(network, [SourceFile("members.csv", content)])

    assert reasons(plan)[0][:2] == ("members.csv", 3)
    assert reasons(plan)[0][2].startswith("Bad encoding")


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused(network):
    plan = run(network, [SourceFile("photo.png", b"\x89PNG\r\n")])

    assert "Not an .xlsx workbook or a .csv file" in reasons(plan)[0][2]


def test_a_damaged_workbook_is_refused(network):
    plan = run(network, [SourceFile("network.xlsx", b"this is not a zip")])

    assert "not a valid .xlsx workbook" in reasons(plan)[0][2]


def test_a_workbook_with_a_cut_short_sheet_is_refused_as_damaged(network):
    source = io.BytesIO(workbook())
    damaged = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(damaged, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            copy.writestr(info, data)

    plan = run(network, [SourceFile("network.xlsx", damaged.getvalue())])

    assert "not a valid .xlsx workbook" in reasons(plan)[0][2]
    assert Member.objects.filter(network=network).count() == 0


def test_a_zip_whose_csv_is_damaged_is_refused(network):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:
        out.writestr("members.csv", csv_bytes(MEMBERS))
        out.writestr("ties.csv", csv_bytes(TIES))
    data = bytearray(archive.getvalue())
    data[data.index(b"Label") + 1] ^= 0xFF  # breaks the stored file's CRC

    plan = run(network, [SourceFile("network.zip", bytes(data))])

    assert ("network.zip", None, "“members.csv” in this .zip is damaged.") in reasons(plan)


def test_a_workbook_without_a_connections_sheet_is_refused(network):
    files = [SourceFile("network.xlsx", workbook(MEMBERS, TIES, sheets=("Elements", "Links")))]

    plan = run(network, files)

    assert reasons(plan) == [
        (
            "network.xlsx",
            None,
            "The workbook has no sheet called “Connections” (it has: “Elements”, “Links”).",
        )
    ]
    assert Member.objects.filter(network=network).count() == 0


def test_a_file_over_the_upload_cap_is_refused_with_the_limit(network, settings):
    settings.WEAVER_MAX_UPLOAD_MB = 1
    big = csv_bytes([["Label", "Description"]] + [[f"M{i}", "x" * 100] for i in range(12000)])

    plan = run(network, [SourceFile("members.csv", big)])

    assert "the limit is 1 MB" in reasons(plan)[0][2]
    assert Member.objects.filter(network=network).count() == 0


def test_spreadsheet_numbers_are_read_as_text_and_whole_strengths(network):
    members = [["Label", "Community"], ["Ana", 2024], ["Ben", 3.0]]
    ties = [["From", "To", "Strength"], ["Ana", "Ben", 4.0]]

    plan = run(network, kumu_files(members, ties))

    assert plan.bad_rows == []
    assert Member.objects.get(network=network, name="Ana").community == "2024"
    assert Relationship.objects.get(network=network).strength == 4


def test_an_import_that_changes_the_network_asks_for_one_recomputation_and_a_no_op_asks_for_none(
    network, alice
):
    from networks.models import Snapshot

    run(network, kumu_files(), user=alice)
    queued = Snapshot.objects.filter(network=network, status="queued")
    assert queued.count() == 1 and queued.get().trigger == "change"
    queued.delete()

    run(network, kumu_files(), user=alice)
    assert not Snapshot.objects.filter(network=network).exists()


def test_an_import_naming_an_archived_member_leaves_them_archived_and_says_so(network, alice):
    gone = MemberFactory(network=network, name="Chen Wu", archived_at="2024-01-01T00:00:00Z")

    plan = run(network, kumu_files(), user=alice)

    assert plan.archived == ["Chen Wu"]
    assert "stay archived: Chen Wu" in plan.archived_note
    gone.refresh_from_db()
    assert gone.archived_at is not None


# The workbook reader parses sheets itself (openpyxl's per-cell reader took 10 s for 50,000 ties)


def _package(sheets: dict[str, str], shared: list[str], *, styles: str = "") -> bytes:
    """A minimal .xlsx written by hand, as Excel writes it: shared strings, styles, any sheet XML."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    names = list(sheets)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, len(names) + 1)
            )
            + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats'
            '-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats'
            '-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{kinds}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            + "".join(
                f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{kinds}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId90" Type="{kinds}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId91" Type="{kinds}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{main}">' + "".join(shared) + "</sst>",
        "xl/styles.xml": styles
        or (
            f'<styleSheet xmlns="{main}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/>'
            "</cellXfs></styleSheet>"
        ),
    }
    for i, xml in enumerate(sheets.values(), 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return buffer.getvalue()


EXCEL_LIKE_ELEMENTS = (
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
    '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="inlineStr"><x:is><x:t>Community</x:t></x:is></x:c>'
    "</x:row>"
    '<x:row r="2"><x:c r="A2" t="s"><x:v>3</x:v></x:c><x:c r="C2" t="s"><x:v>4</x:v></x:c>'
    '<x:c r="D2" t="inlineStr"><x:is><x:r><x:t>North </x:t></x:r><x:r><x:t xml:space="preserve">&amp; Hills'
    '</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ignored</x:t></x:rPh></x:is></x:c>'
    '<x:c r="F2"><x:v>3</x:v></x:c><x:c r="G2"><x:v>2.5</x:v></x:c><x:c r="H2" s="1"><x:v>45292</x:v></x:c>'
    '<x:c r="I2" t="b"><x:v>1</x:v></x:c><x:c r="J2" t="e"><x:v>#N/A</x:v></x:c>'
    '<x:c r="K2" t="str"><x:f>A2</x:f><x:v>Ana Lopez</x:v></x:c><x:c r="AB2"><x:v>1E+3</x:v></x:c></x:row>'
    '<x:row r="4"><x:c r="A4" t="s"><x:v>5</x:v></x:c><x:c r="B4" t="s"><x:v>6</x:v></x:c></x:row>'
    "</x:sheetData></x:worksheet>"
)
EXCEL_LIKE_SHARED = [
    "<si><t>Label</t></si>",
    "<si><t>Type</t></si>",
    "<si><t>Email</t></si>",
    "<si><t>Ana Lopez</t></si>",
    "<si><t>ana@example.org</t></si>",
    "<si><r><t>Valley </t></r><r><t>Clinic</t></r></si>",
    "<si><t>'=organisation</t></si>",
]


EXCEL_LIKE_CONNECTIONS = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>From</t></is></c><c r="B1" t="inlineStr"><is><t>To</t></is>'
    '</c></row><row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c></row>'
    "</sheetData></worksheet>"
)


def _tables(files):
    """The tables read, rows without trailing empty cells (openpyxl pads rows to the sheet's width)."""
    read = read_files(files)

    def trimmed(cells):
        while cells and cells[-1] == "":
            cells = cells[:-1]
        return cells

    tables = [
        (t.sheet, t.columns, [(line, trimmed(cells)) for line, cells in t.rows])
        for t in (read.members, read.ties)
        if t
    ]
    return tables, read.bad_rows


@pytest.mark.parametrize("made_by", ["openpyxl", "excel"])
def test_the_workbook_reader_reads_every_kind_of_cell_as_openpyxl_does(made_by, monkeypatch):
    from networks.importing import reading

    if made_by == "openpyxl":
        when = datetime.datetime(2024, 1, 2, 9, 30)
        members = [
            *MEMBERS,
            ["'=1+1", 3, 2.5, 3.0, True, datetime.date(2024, 1, 2), when, None, 'Say "hi" & <wave>'],
            [None, None, None, None, None, None, None, None, None, None, None, None, None, None, "far"],
        ]
        files = kumu_files(members)
    else:
        sheets = {"Elements": EXCEL_LIKE_ELEMENTS, "Connections": EXCEL_LIKE_CONNECTIONS}
        files = [SourceFile("network.xlsx", _package(sheets, EXCEL_LIKE_SHARED))]
    fast, fast_bad = _tables(files)
    # openpyxl's own reader
    monkeypatch.setattr(reading, "_sheet_rows", lambda workbook, worksheet, formulas=None: None)
    slow, slow_bad = _tables(files)

    assert fast_bad == slow_bad == []
    assert fast == slow
    if made_by == "excel":
        (_, columns, rows), _ties = fast
        assert columns == {"label": 0, "type": 1, "email": 2, "community": 3}
        assert rows[0] == (
            2,
            [
                *("Ana Lopez", "", "ana@example.org", "North & Hills", "", "3", "2.5", "2024-01-01"),
                *("TRUE", "#N/A", "Ana Lopez", *[""] * 16, "1000"),
            ],
        )
        assert rows[1] == (4, ["Valley Clinic", "=organisation"])  # the export's formula guard undone


def test_a_workbook_sheet_declaring_entities_is_refused_as_damaged(network):
    bomb = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + EXCEL_LIKE_ELEMENTS.replace("<x:v>0</x:v>", "<x:v>&b;</x:v>")
    )
    files = [SourceFile("network.xlsx", _package({"Elements": bomb, "Connections": bomb}, EXCEL_LIKE_SHARED))]

    plan = run(network, files)

    assert "not a valid .xlsx workbook" in reasons(plan)[0][2]
    # openpyxl refuses it while loading; the fast sheet reader refuses it too, on its own.
    from networks.importing import reading

    archive = zipfile.ZipFile(io.BytesIO(files[0].content))
    book = SimpleNamespace(_archive=archive, _date_formats=set(), _timedelta_formats=set(), epoch=None)
    sheet = SimpleNamespace(_worksheet_path="xl/worksheets/sheet1.xml", _shared_strings=[])
    with pytest.raises(ValueError, match="not allowed"):
        reading._sheet_rows(book, sheet)
