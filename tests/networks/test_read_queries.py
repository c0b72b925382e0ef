"""Reads of a done snapshot take a few queries whatever the network's size and history (issue 15):
200 members, 30 done snapshots, each read counted with the queries it ran."""

import gzip
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from networks import cached_reads, snapshots
from networks.models import Member, NetworkRole, Relationship, Role, Snapshot
from tests.factories import RelationshipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/networks/healthy-valleys"
SIZE, HISTORY = 200, 30


@pytest.fixture
def history(network):
    """200 members in one growing graph (a few organisations), its snapshot computed, then copied so that
    30 done snapshots (each with its large parts) precede the reads."""
    rng = random.Random(15)
    members = Member.objects.bulk_create(
        Member(network=network, name=f"Member {i:03}", kind="organisation" if i % 20 == 0 else "person")
        for i in range(SIZE)
    )
    pairs = {tuple(sorted((i, rng.randrange(i)))) for i in range(1, SIZE) for _ in range(2)}
    Relationship.objects.bulk_create(
        Relationship(network=network, source=members[a], target=members[b]) for a, b in sorted(pairs)
    )
    first = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    copied = Snapshot.objects.get(pk=first.pk)
    for _ in range(HISTORY - 2):
        copied.pk = None
        copied.save()
    return snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)


def count(client, url, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code in (200, 304), response.content[:500]
    return len(queries.captured_queries), response


@pytest.fixture
def token_client(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    return client


API_READS = [
    "/metrics/",
    "/suggestions/",
    "/suggestions/?kind=introduce&page_size=5",
    "/snapshots/{snapshot}/",
    "/metrics/members/",
    "/metrics/members/?view=people&ordering=-betweenness&page=2",
    "/metrics/members/?role=hub",
    "/graph.json",
    "/graph.gexf",
    "/graph.graphml",
]


@pytest.mark.parametrize("path", API_READS)
def test_a_read_takes_at_most_four_queries_then_one_from_the_cache(token_client, history, path, real_broker):
    url = BASE + path.format(snapshot=history.pk)
    first, rendered = count(token_client, url)
    again, stored = count(token_client, url)
    assert first <= 4
    assert again == 1  # the token, its user, their roles and the current snapshot, in one query
    assert stored["ETag"] == rendered["ETag"]
    assert b"".join(stored) == rendered.content  # the same bytes, whether just rendered or stored


@pytest.mark.parametrize("path", ["/metrics/", "/metrics/members/?ordering=degree"])
def test_a_session_read_from_the_cache_takes_two_queries(client, alice, history, path, real_broker):
    client.force_login(alice)
    count(client, BASE + path)
    queries, response = count(client, BASE + path)
    assert queries == 2  # the session; the user, their roles and the current snapshot
    assert response.json()


def test_a_client_polling_with_the_etag_gets_304_until_a_new_snapshot(
    token_client, network, history, real_broker
):
    url = f"{BASE}/metrics/"
    etag = token_client.get(url)["ETag"]
    queries, response = count(token_client, url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and queries == 1 and not response.content
    assert response["Last-Modified"]
    newer = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    response = token_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert response.json()["snapshot"] == newer.pk


def test_another_networks_token_still_gets_404_on_a_cached_address(
    token_client, charlie, history, real_broker
):
    url = f"{BASE}/metrics/members/"
    assert token_client.get(url).status_code == 200
    assert token_client.get(url).status_code == 200  # now served from the cache
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=charlie).key}")
    response = outsider.get(url)
    assert response.status_code == 404 and b"Member 0" not in response.content
    assert APIClient().get(url).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get(url).status_code == 401


def test_a_member_and_a_coordinator_do_not_share_a_cached_answer(token_client, bob, history, real_broker):
    url = f"{BASE}/suggestions/"
    coordinator = token_client.get(url)
    member = APIClient()
    member.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob).key}")
    first, as_member = member.get(url), member.get(url)
    assert first["ETag"] == as_member["ETag"] != coordinator["ETag"]
    NetworkRole.objects.filter(user=bob).update(role=Role.COORDINATOR)
    assert member.get(url)["ETag"] == coordinator["ETag"]


def test_cached_answers_follow_renamed_members_and_answered_suggestions(
    token_client, alice, history, real_broker
):
    members_url = f"{BASE}/metrics/members/?ordering=-degree&page_size=1"
    top = token_client.get(members_url).json()["results"][0]
    token_client.patch(f"{BASE}/members/{top['member']}/", {"name": "Renamed Hub"}, format="json")
    assert token_client.get(members_url).json()["results"][0]["label"] == "Renamed Hub"

    suggestions_url = f"{BASE}/suggestions/?page_size=1"
    first = token_client.get(suggestions_url).json()["results"][0]
    answer = {"a": first["a"], "b": first["b"], "kind": first["kind"]}
    assert token_client.post(f"{BASE}/suggestions/dismiss/", answer, format="json").status_code == 200
    after = token_client.get(suggestions_url).json()["results"][0]
    assert (after["a"], after["b"]) != (first["a"], first["b"])


def test_a_stored_export_is_sent_compressed_to_clients_that_accept_it_and_streamed_plain_otherwise(
    token_client, history, real_broker
):
    url = f"{BASE}/graph.gexf"
    rendered = token_client.get(url).content
    packed = token_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and gzip.decompress(packed.content) == rendered
    assert packed["Content-Disposition"] == 'attachment; filename="healthy-valleys-network.gexf"'
    plain = token_client.get(url)
    assert b"".join(plain.streaming_content if plain.streaming else [plain.content]) == rendered


def test_the_health_page_reads_the_current_snapshot_once_without_its_large_parts(
    client, alice, history, real_broker
):
    client.force_login(alice)
    url = reverse("networks:dashboard", kwargs={"slug": "healthy-valleys"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and "Member" in response.content.decode()
    snapshot_reads = [q["sql"] for q in queries.captured_queries if 'FROM "networks_snapshot"' in q["sql"]]
    current = [sql for sql in snapshot_reads if '"suggestions"' in sql]
    assert len(current) == 1
    assert not [sql for sql in snapshot_reads if '"views"' in sql or '"bridges"' in sql]
    assert len(queries.captured_queries) <= 9


def test_the_maps_data_is_kept_and_served_after_two_queries_until_a_tie_changes(
    client, alice, network, history, real_broker
):
    client.force_login(alice)
    url = reverse("networks:map-data", kwargs={"slug": "healthy-valleys"}) + "?view=all"
    _, rendered = count(client, url)
    queries, stored = count(client, url, HTTP_ACCEPT_ENCODING="gzip")
    assert queries == 2 and stored["Content-Encoding"] == "gzip"
    assert gzip.decompress(stored.content) == rendered.content
    a, b = Member.objects.filter(network=network).order_by("id")[:2]
    RelationshipFactory(
        network=network, source=a, target=b, kind="mentors", strength=5
    )  # recorded in history
    edges = client.get(url).json()["edges"]
    assert [min(a.pk, b.pk), max(a.pk, b.pk), 5] in edges


def test_reads_are_rendered_as_usual_when_the_cache_is_down(token_client, history, real_broker, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(cached_reads, "cache", Down())
    for _ in range(2):
        response = token_client.get(f"{BASE}/metrics/")
        assert response.status_code == 200 and response.json()["snapshot"] == history.pk
