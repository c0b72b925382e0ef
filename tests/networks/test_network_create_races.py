"""Creating a network by slug under races: 20 imports into one new slug, two API clients with one slug."""

import io
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from rest_framework.test import APIClient

from networks.models import Member, Network, NetworkRole, Relationship
from tests.factories import UserFactory
from tests.fixtures.spreadsheets import workbook

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CONCURRENT = 20


def _together(count: int, work) -> list:
    """Run work(i) in `count` threads released at the same moment; each result or the exception raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def test_twenty_concurrent_imports_into_a_new_slug_all_succeed_into_one_network(tmp_path):
    kumu = tmp_path / "network.xlsx"
    kumu.write_bytes(workbook())
    UserFactory(username="alice")

    def import_once(_i):
        out = io.StringIO()
        call_command("import_network", "river-valley", str(kumu), "--user", "alice", stdout=out)
        return out.getvalue()

    results = _together(CONCURRENT, import_once)

    failures = [r for r in results if isinstance(r, Exception)]
    assert failures == []
    assert all("Imported into river-valley." in r for r in results)
    network = Network.objects.get(slug="river-valley")
    assert Member.objects.filter(network=network).count() == 5
    assert Relationship.objects.filter(network=network).count() == 3
    assert NetworkRole.objects.filter(network=network).count() == 1  # the one creator: coordinator
    assert sum("Created the network" in r for r in results) == 1


def test_an_import_with_a_bad_slug_is_refused_and_creates_nothing(tmp_path):
    kumu = tmp_path / "network.xlsx"
    kumu.write_bytes(workbook())
    with pytest.raises(CommandError, match="slug"):
        call_command("import_network", "not a slug!", str(kumu), stdout=io.StringIO())
    assert not Network.objects.exists()


def test_concurrent_api_creations_of_one_slug_make_one_network_and_refuse_the_rest_with_400():
    alice = UserFactory(username="alice")

    def create(i):
        client = APIClient()
        client.force_authenticate(alice)
        body = {"name": f"Valley {i}", "slug": "valley", "purpose": "Weave the valley."}
        return client.post("/api/v1/networks/", body, format="json").status_code

    codes = _together(8, create)

    assert sorted(codes) == [201] + [400] * 7
    assert Network.objects.filter(slug="valley").count() == 1
