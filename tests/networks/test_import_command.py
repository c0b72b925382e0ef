import io

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from networks.models import Member, Network, NetworkRole, Relationship
from tests.factories import UserFactory
from tests.fixtures.spreadsheets import MEMBERS, TIES, csv_bytes, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def kumu(tmp_path):
    path = tmp_path / "network.xlsx"
    path.write_bytes(workbook())
    return path


@pytest.fixture
def bad_csvs(tmp_path):
    members, ties = tmp_path / "members.csv", tmp_path / "ties.csv"
    members.write_bytes(csv_bytes(MEMBERS))
    ties.write_bytes(csv_bytes([*TIES, ["Ana Lopez", "Nobody", "knows", "9", ""]]))
    return members, ties


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_network", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_creates_a_new_network_and_imports_into_it(kumu):
    out, _ = run("river-valley", kumu)

    network = Network.objects.get(slug="river-valley")
    assert network.name == "River Valley"
    assert "purpose" in network.purpose
    assert Member.objects.filter(network=network).count() == 5
    assert Relationship.objects.filter(network=network).count() == 3
    assert "Members: 5 were created, 0 were updated, 0 unchanged." in out
    assert "edit its purpose" in out


def test_the_command_imports_into_an_existing_network_and_a_second_run_changes_nothing(network, kumu):
    run(network.slug, kumu)

    out, _ = run(network.slug, kumu)

    assert "Members: 0 were created, 0 were updated, 5 unchanged." in out
    assert "Ties: 0 were created, 0 were updated, 3 unchanged." in out


def test_the_command_records_the_user_and_makes_them_coordinator_of_a_new_network(kumu):
    alice = UserFactory(username="alice")

    run("river-valley", kumu, "--user", "alice")

    assert NetworkRole.objects.filter(network__slug="river-valley", user=alice, role="coordinator").exists()
    assert Member.objects.get(name="Ana Lopez").history.get().history_user == alice


def test_a_dry_run_prints_the_preview_and_writes_nothing(kumu):
    out, _ = run("river-valley", kumu, "--dry-run")

    assert "Members: 5 would be created" in out
    assert "Ties: 3 would be created" in out
    assert "Dry run: nothing was written." in out
    assert not Network.objects.filter(slug="river-valley").exists()
    assert Member.objects.count() == 0


def test_bad_rows_are_each_printed_and_the_command_fails_writing_nothing(bad_csvs):
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad row, so nothing was imported"):
        call_command("import_network", "river-valley", *map(str, bad_csvs), stdout=io.StringIO(), stderr=err)
    printed = err.getvalue()

    assert "ties.csv, line 5: To: Unknown member “Nobody”" in printed
    assert "Strength must be a whole number from 1 to 5, not 9." in printed
    assert not Network.objects.filter(slug="river-valley").exists()
    assert Member.objects.count() == 0


def test_bad_rows_leave_an_existing_network_untouched(network, bad_csvs):
    with pytest.raises(CommandError):
        run(network.slug, *bad_csvs)

    assert Member.objects.filter(network=network).count() == 0


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path, settings):
    settings.WEAVER_MAX_UPLOAD_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(b"Label\n" + b"x" * (1024 * 1024 + 1))

    with pytest.raises(CommandError, match="the limit is 1 MB"):
        run("big", path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("somewhere", tmp_path / "nope.xlsx")


@pytest.fixture
def keep_connection(monkeypatch):
    """run_from_argv closes database connections when it ends, the test's own included."""
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)


def test_the_command_exits_with_status_1_on_bad_rows(bad_csvs, capsys, keep_connection):
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "import_network", "river-valley", *map(str, bad_csvs)])

    assert exit_.value.code == 1
    assert "nothing was imported" in capsys.readouterr().err


def test_the_command_exits_with_status_0_on_a_good_file(kumu, keep_connection):
    execute_from_command_line(["manage.py", "import_network", "river-valley", str(kumu)])

    assert Member.objects.filter(network__slug="river-valley").count() == 5


def test_export_network_writes_a_workbook_the_importer_reads_back(network, kumu, tmp_path):
    run(network.slug, kumu)
    out_path = tmp_path / "out.xlsx"

    call_command("export_network", network.slug, str(out_path), stdout=io.StringIO())
    out, _ = run("copy", out_path)

    assert "Members: 5 were created" in out
    assert "Ties: 3 were created" in out


def test_export_network_refuses_an_unknown_format(network, tmp_path):
    with pytest.raises(CommandError, match=r"\.xlsx"):
        call_command("export_network", network.slug, str(tmp_path / "out.pdf"))
