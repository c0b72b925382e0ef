import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from networks.models import ImportBatch, Member, Relationship
from tests.factories import PASSWORD, MemberFactory, RelationshipFactory
from tests.fixtures.spreadsheets import MEMBERS, TIES, csv_bytes, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """A client whose POSTs run their on-commit callbacks as outside a test: import tasks run in-process."""
    post = client.post

    def post_and_commit(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_and_commit
    return client


def login(client, user):
    client.login(request=RequestFactory().post("/"), username=user.username, password=PASSWORD)
    return client


def upload_url(network):
    return reverse("networks:import-upload", args=[network.slug])


def xlsx_upload(members=MEMBERS, ties=TIES, name="kumu.xlsx"):
    return SimpleUploadedFile(name, workbook(members, ties))


def upload(client, network, *files):
    return client.post(upload_url(network), {"files": list(files)})


def test_alice_can_open_the_upload_page(client, network, alice):
    response = login(client, alice).get(upload_url(network))

    assert response.status_code == 200
    assert b"Kumu-style workbook" in response.content


def test_bob_cannot_open_the_upload_page(client, network, bob):
    assert login(client, bob).get(upload_url(network)).status_code == 403


def test_charlie_gets_404_for_another_networks_upload_page(client, network, charlie):
    assert login(client, charlie).get(upload_url(network)).status_code == 404


def test_uploading_a_workbook_stores_a_batch_and_shows_the_preview_without_writing(client, network, alice):
    response = upload(login(client, alice), network, xlsx_upload())

    batch = ImportBatch.objects.get(network=network)
    assert response.status_code == 302
    assert response.url == reverse("networks:import-preview", args=[network.slug, batch.pk])
    assert batch.files.get().name == "kumu.xlsx"
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert Member.objects.filter(network=network).count() == 0
    page = client.get(response.url)
    assert page.status_code == 200
    assert page.context["summary"]["members"] == {"create": 5, "update": 0, "unchanged": 0}
    assert b"Confirm and import" in page.content


def test_confirming_applies_the_import_and_shows_the_result_page(client, network, alice):
    upload(login(client, alice), network, xlsx_upload())
    batch = ImportBatch.objects.get(network=network)

    response = client.post(reverse("networks:import-confirm", args=[network.slug, batch.pk]))

    assert response.url == reverse("networks:import-preview", args=[network.slug, batch.pk])
    page = client.get(response.url).content.decode()
    assert "Members: 5 added, 0 updated." in " ".join(page.split())
    assert "Ties: 3 added, 0 updated." in " ".join(page.split())
    assert Member.objects.filter(network=network).count() == 5
    assert Relationship.objects.filter(network=network, provenance="import").count() == 3
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert Member.objects.get(network=network, name="Ana Lopez").history.get().history_user == alice


def test_a_batch_applies_only_once(client, network, alice):
    upload(login(client, alice), network, xlsx_upload())
    batch = ImportBatch.objects.get(network=network)
    confirm = reverse("networks:import-confirm", args=[network.slug, batch.pk])
    client.post(confirm)

    response = client.post(confirm)

    assert "already been applied" in client.get(response.url).content.decode()
    assert Member.objects.filter(network=network).count() == 5
    assert Member.history.filter(network=network).count() == 5


def test_two_csv_files_with_a_bom_and_semicolons_can_be_uploaded(client, network, alice):
    members = SimpleUploadedFile("members.csv", b"\xef\xbb\xbf" + csv_bytes(MEMBERS, delimiter=";"))
    ties = SimpleUploadedFile("ties.csv", b"\xef\xbb\xbf" + csv_bytes(TIES, delimiter=";"))

    upload(login(client, alice), network, members, ties)

    batch = ImportBatch.objects.get(network=network)
    assert batch.summary["ties"]["create"] == 3
    assert batch.summary["bad_rows"] == []


def test_bad_rows_are_listed_with_sheet_line_and_reason_and_cannot_be_confirmed(client, network, alice):
    response = upload(
        login(client, alice), network, xlsx_upload(ties=[*TIES, ["Ana Lopez", "Nobody", "", "7"]])
    )
    batch = ImportBatch.objects.get(network=network)

    page = client.get(response.url)

    assert batch.status == ImportBatch.Status.REJECTED
    html = page.content.decode()
    assert "Nothing has been saved." in html
    assert "Unknown member “Nobody”" in html
    assert '<td>Connections</td><td class="text-end">5</td>' in html
    assert "Confirm and import" not in html
    client.post(reverse("networks:import-confirm", args=[network.slug, batch.pk]))
    assert Member.objects.filter(network=network).count() == 0


def test_confirm_rechecks_the_plan_against_the_network_as_it_is_now(client, network, alice):
    upload(login(client, alice), network, xlsx_upload())
    batch = ImportBatch.objects.get(network=network)
    # Since the preview, two members now share the label a tie refers to.
    MemberFactory(network=network, name="Chen Wu", email="chen1@example.org")
    MemberFactory(network=network, name="Chen Wu", email="chen2@example.org")

    response = client.post(reverse("networks:import-confirm", args=[network.slug, batch.pk]))

    assert "The network changed since the preview" in client.get(response.url).content.decode()
    assert Member.objects.filter(network=network).count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED


def test_an_upload_over_the_cap_is_refused_next_to_the_field(client, network, alice, settings):
    settings.WEAVER_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("members.csv", b"Label\n" + b"x" * (1024 * 1024 + 10))

    response = upload(login(client, alice), network, big)

    assert response.status_code == 200
    assert "the limit is 1 MB" in " ".join(response.context["form"].errors["files"])
    assert not ImportBatch.objects.exists()


def test_more_than_two_files_are_refused(client, network, alice):
    files = [SimpleUploadedFile(f"f{i}.csv", b"Label\nA\n") for i in range(3)]

    response = upload(login(client, alice), network, *files)

    assert "two CSV files" in " ".join(response.context["form"].errors["files"])


def test_submitting_without_a_file_says_it_is_required(client, network, alice):
    response = login(client, alice).post(upload_url(network), {})

    assert response.status_code == 200
    assert response.context["form"].errors["files"]


def test_bob_cannot_preview_or_confirm_an_import(client, network, alice, bob):
    upload(login(client, alice), network, xlsx_upload())
    batch = ImportBatch.objects.get(network=network)
    login(client, bob)

    assert client.get(reverse("networks:import-preview", args=[network.slug, batch.pk])).status_code == 403
    assert client.post(reverse("networks:import-confirm", args=[network.slug, batch.pk])).status_code == 403
    assert Member.objects.filter(network=network).count() == 0


def test_charlie_gets_404_for_another_networks_import_batch(client, network, other_network, alice, charlie):
    upload(login(client, alice), network, xlsx_upload())
    batch = ImportBatch.objects.get(network=network)
    login(client, charlie)

    assert client.get(reverse("networks:import-preview", args=[network.slug, batch.pk])).status_code == 404
    # A batch of one network is not reachable through another network's address either.
    assert (
        client.get(reverse("networks:import-preview", args=[other_network.slug, batch.pk])).status_code == 404
    )
    assert (
        client.post(reverse("networks:import-confirm", args=[other_network.slug, batch.pk])).status_code
        == 404
    )


@pytest.fixture
def tied(network):
    ana = MemberFactory(network=network, name="=Ana", email="ana@example.org")
    ben = MemberFactory(network=network, name="Ben", email="")
    RelationshipFactory(network=network, source=ana, target=ben, strength=4)
    return network


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_alice_and_bob_can_open_the_export_page_and_download_every_format(client, tied, user, request):
    login(client, request.getfixturevalue(user))

    page = client.get(reverse("networks:export", args=[tied.slug]))
    xlsx = client.get(reverse("networks:export-download", args=[tied.slug, "xlsx"]))
    archive = client.get(reverse("networks:export-download", args=[tied.slug, "zip"]))
    members = client.get(reverse("networks:export-download", args=[tied.slug, "members.csv"]))
    ties = client.get(reverse("networks:export-download", args=[tied.slug, "ties.csv"]))

    assert page.status_code == 200
    assert 'attachment; filename="healthy-valleys-network-' in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["Elements"]["A2"].value == "'=Ana"
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 2
    assert members["Content-Type"].startswith("text/csv")
    assert "'=Ana" in members.content.decode("utf-8-sig")
    assert ties.content.decode("utf-8-sig").splitlines()[1] == "ana@example.org,Ben,knows,4,undirected"


def test_charlie_gets_404_for_another_networks_export(client, tied, charlie):
    login(client, charlie)

    assert client.get(reverse("networks:export", args=[tied.slug])).status_code == 404
    assert client.get(reverse("networks:export-download", args=[tied.slug, "xlsx"])).status_code == 404


def test_an_unknown_export_format_is_404(client, tied, alice):
    response = login(client, alice).get(reverse("networks:export-download", args=[tied.slug, "pdf"]))

    assert response.status_code == 404


def test_an_exported_workbook_uploads_back_as_all_unchanged(client, tied, alice):
    login(client, alice)
    content = client.get(reverse("networks:export-download", args=[tied.slug, "xlsx"])).content

    upload(client, tied, SimpleUploadedFile("back.xlsx", content))

    summary = ImportBatch.objects.get(network=tied).summary
    assert summary["members"] == {"create": 0, "update": 0, "unchanged": 2}
    assert summary["ties"] == {"create": 0, "update": 0, "unchanged": 1}


def test_the_preview_says_which_archived_members_the_file_names_and_that_they_stay_archived(
    client, network, alice
):
    MemberFactory(network=network, name="Chen Wu", archived_at=timezone.now())
    response = upload(login(client, alice), network, xlsx_upload())

    page = client.get(response.url).content.decode()

    assert "names 1 archived member, who stays archived" in page and "Chen Wu" in page
