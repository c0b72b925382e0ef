"""A running snapshot whose worker is gone: the heartbeat goes silent, the lock is released, it is re-sent."""

from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from networks import snapshots
from networks.models import Snapshot
from tests.workers import wait_for

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")


@pytest.fixture
def silent_running(network, settings):
    """A snapshot claimed by a worker whose last heartbeat was 10 s ago (5 s counts as lost here)."""
    settings.WEAVER_SNAPSHOT_WORKER_LOST_SECONDS = 5
    now = timezone.now()
    return Snapshot.objects.create(
        network=network,
        status="running",
        attempts=1,
        progress=40,
        started_at=now - timedelta(minutes=1),
        heartbeat_at=now - timedelta(seconds=10),
    )


@pytest.fixture
def sent(monkeypatch):
    ids = []
    monkeypatch.setattr(snapshots, "_enqueue", lambda pk, countdown=0: ids.append(pk))
    return ids


def _api_view(alice, network, snapshot) -> dict:
    client = APIClient()
    client.force_authenticate(alice)
    return client.get(f"/api/v1/networks/{network.slug}/snapshots/{snapshot.pk}/").json()


@pytest.mark.django_db(transaction=True)
def test_a_silent_worker_still_holding_the_networks_lock_is_not_taken_for_lost(
    network, alice, silent_running, sent
):
    # A long igraph call holds Python's GIL and can delay the heartbeat thread; its session holds the lock.
    worker = connections.create_connection("default")
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [snapshots.LOCK_NAMESPACE, network.pk])
        assert snapshots.snapshots_reconcile() == []
        assert _api_view(alice, network, silent_running)["worker_lost"] is False
    finally:
        worker.close()  # the worker dies: PostgreSQL releases its lock
    wait_for(lambda: not snapshots._network_locked(network.pk), timeout=10)

    assert snapshots.snapshots_reconcile() == [silent_running.pk]
    assert sent == [silent_running.pk]


@pytest.mark.django_db
def test_the_api_and_the_progress_card_say_worker_lost_retrying(client, network, alice, silent_running):
    data = _api_view(alice, network, silent_running)
    assert data["worker_lost"] is True and data["stage"] == "worker lost, retrying"
    listed = APIClient()
    listed.force_authenticate(alice)
    [row] = listed.get(f"/api/v1/networks/{network.slug}/snapshots/").json()["results"]
    assert row["worker_lost"] is True

    client.force_login(alice)
    html = client.get(reverse("networks:snapshot-progress", args=[network.slug])).text
    assert "Worker lost, retrying" in html


@pytest.mark.django_db
def test_a_worker_that_beats_is_running_not_lost(network, alice, silent_running, sent):
    Snapshot.objects.filter(pk=silent_running.pk).update(heartbeat_at=timezone.now())
    assert snapshots.snapshots_reconcile() == [] and sent == []
    data = _api_view(alice, network, silent_running)
    assert data["worker_lost"] is False and data["stage"] != "worker lost, retrying"


@pytest.mark.django_db
def test_the_reconciler_gives_up_on_a_snapshot_lost_too_many_times(network, silent_running, sent):
    Snapshot.objects.filter(pk=silent_running.pk).update(attempts=snapshots.MAX_ATTEMPTS)
    assert snapshots.snapshots_reconcile() == [] and sent == []
    assert Snapshot.objects.get(pk=silent_running.pk).status == "failed"
