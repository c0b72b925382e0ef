"""Length caps on free text: one limit and one message in the models, forms, API and import."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from networks.importing import SourceFile, import_plan, read_files
from networks.models import Member
from tests.factories import MemberFactory
from tests.fixtures.spreadsheets import TIES, csv_bytes
from weaver.lib import limits

pytestmark = pytest.mark.django_db
BASE = "/api/v1/networks/healthy-valleys"
TOO_LONG = "x" * (limits.DESCRIPTION + 1)
MESSAGE = "Description is too long: 10,001 characters, the limit is 10,000."


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    found: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        found.setdefault(error["attr"], []).append(error["detail"])
    return found


def test_the_message_names_the_field_the_length_and_the_limit():
    with pytest.raises(Exception) as caught:
        limits.MaxChars(limits.DESCRIPTION, "Description")("x" * 12_345)

    assert caught.value.messages == ["Description is too long: 12,345 characters, the limit is 10,000."]


def test_text_at_the_limit_is_accepted():
    limits.MaxChars(limits.DESCRIPTION, "Description")("x" * limits.DESCRIPTION)


def test_an_oversize_member_description_over_the_api_is_a_400_naming_the_field_and_limit(network, alice):
    response = api(alice).post(
        f"{BASE}/members/", {"name": "Ana", "kind": "person", "description": TOO_LONG}, format="json"
    )

    assert errors(response) == {"description": [MESSAGE]}
    assert not Member.objects.filter(network=network).exists()


def test_an_oversize_network_purpose_over_the_api_is_a_400(network, alice):
    response = api(alice).patch(f"{BASE}/", {"purpose": "y" * 10_500}, format="json")

    assert errors(response) == {"purpose": ["Purpose is too long: 10,500 characters, the limit is 10,000."]}


def test_an_oversize_fund_description_over_the_api_is_a_400(network, alice):
    response = api(alice).post(
        f"{BASE}/funds/", {"name": "Valley Fund", "description": TOO_LONG}, format="json"
    )

    assert errors(response) == {"description": [MESSAGE]}


def test_an_oversize_cluster_description_over_the_api_is_a_400(network, alice):
    response = api(alice).post(
        f"{BASE}/clusters/", {"name": "Walkers", "description": TOO_LONG}, format="json"
    )

    assert errors(response) == {"description": [MESSAGE]}


def test_an_oversize_member_description_in_the_form_is_refused_next_to_the_field(client, network, alice):
    ana = MemberFactory(network=network, name="Ana")
    client.force_login(alice)

    response = client.post(
        reverse("networks:member-edit", args=[network.slug, ana.pk]),
        {"kind": "person", "name": "Ana", "description": TOO_LONG},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [MESSAGE]
    ana.refresh_from_db()
    assert ana.description != TOO_LONG


def test_an_oversize_cluster_purpose_in_the_form_is_refused_next_to_the_field(client, network, alice):
    client.force_login(alice)

    response = client.post(
        reverse("clusters:cluster-create", args=[network.slug]), {"name": "W", "description": TOO_LONG}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [
        "Purpose is too long: 10,001 characters, the limit is 10,000."
    ]


def plan_of(network, files):
    return import_plan(network=network, read=read_files(files))


@pytest.mark.parametrize("length", [limits.DESCRIPTION + 1, 200 * 1024])
def test_an_oversize_description_in_a_csv_row_is_a_bad_row_with_the_same_message(network, length):
    members = [["Label", "Description"], ["Ana", "ok"], ["Ben", "z" * length]]

    plan = plan_of(network, [SourceFile("members.csv", csv_bytes(members))])

    assert [(b.sheet, b.line, b.reason) for b in plan.bad_rows] == [
        ("members.csv", 3, f"Description is too long: {length:,} characters, the limit is 10,000.")
    ]


def workbook_bytes(members, ties=TIES) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("Elements", members), ("Connections", ties[:1])):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_oversize_description_in_a_workbook_row_is_a_bad_row_with_the_same_message(network):
    content = workbook_bytes([["Label", "Description"], ["Ana", TOO_LONG]])

    plan = plan_of(network, [SourceFile("kumu.xlsx", content)])

    assert [(b.sheet, b.line, b.reason) for b in plan.bad_rows] == [("Elements", 2, MESSAGE)]


def test_a_formula_cell_without_a_saved_result_is_refused_saying_it_is_a_formula(network):
    content = workbook_bytes([["Label", "Community"], ['=C2&" Lopez"', "North"], ["Ben", "=A2"]])

    plan = plan_of(network, [SourceFile("kumu.xlsx", content)])

    reasons = {(b.sheet, b.line): b.reason for b in plan.bad_rows}
    assert set(reasons) == {("Elements", 2), ("Elements", 3)}
    assert reasons[("Elements", 2)].startswith('Cell A2 is a formula (=C2&" Lopez") with no saved result')
    assert reasons[("Elements", 3)].startswith("Cell B3 is a formula (=A2) with no saved result")
    assert "empty" not in " ".join(reasons.values())


def test_a_formula_cell_with_a_saved_result_imports_the_result(network):
    content = workbook_bytes([["Label", "Community"], ["Ana", "North"]])
    # What Excel writes: the formula and its last result.
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index('<c r="B2"')
                end = text.index("</c>", start) + len("</c>")
                text = text[:start] + '<c r="B2" t="str"><f>UPPER("north")</f><v>NORTH</v></c>' + text[end:]
                data = text.encode()
            target.writestr(info, data)

    plan = plan_of(network, [SourceFile("kumu.xlsx", out.getvalue())])

    assert plan.is_valid, plan.bad_rows
    assert [n.member.community for n in plan.nodes] == ["NORTH"]
