"""A real Celery worker on Redis + PostgreSQL computing snapshots, killed mid-computation."""

import os
import signal
import subprocess
import time
from datetime import timedelta

import networkx as nx
import pytest
from rest_framework.test import APIClient

from networks import snapshots
from networks.models import Member, MemberMetric, Relationship, Snapshot
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SIZE = 4000  # exact betweenness takes several seconds: time to kill the worker mid-computation


@pytest.fixture
def big_network(network):
    graph = nx.powerlaw_cluster_graph(SIZE, 3, 0.3, seed=7)
    members = Member.objects.bulk_create(
        Member(network=network, name=f"Member {i:05d}", community=f"C{i % 5}") for i in graph.nodes
    )
    Relationship.objects.bulk_create(
        Relationship(network=network, source=members[u], target=members[v]) for u, v in graph.edges
    )
    return network


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _running(snapshot_id: int):
    return Snapshot.objects.filter(pk=snapshot_id, status="running", progress__gt=0).exists()


def _finished(snapshot_id: int):
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    return snapshot if snapshot.is_finished else None


def test_progress_is_observed_while_a_real_worker_computes(big_network, real_broker):
    with celery_worker(queue="celery"):
        snapshot = snapshots.snapshot_request(network=big_network, trigger="manual")
        seen = set()

        def done_watching():
            s = Snapshot.objects.get(pk=snapshot.pk)
            seen.add((s.status, s.progress))
            return s.is_finished

        wait_for(done_watching, timeout=240, interval=0.1)
    snapshot.refresh_from_db()
    assert snapshot.status == "done"
    partial = {p for status, p in seen if status == "running" and 0 < p < 100}
    assert len(partial) >= 2, seen
    assert MemberMetric.objects.filter(snapshot=snapshot).count() == SIZE


def test_killing_the_worker_child_mid_computation_still_ends_done_exactly_once(big_network, real_broker):
    with celery_worker(queue="celery") as (proc, _queue):
        snapshot = snapshots.snapshot_request(network=big_network, trigger="manual")
        wait_for(lambda: _running(snapshot.pk), timeout=120, interval=0.05)
        children = _children(proc.pid)
        assert children, "the prefork pool has a child"
        for child in children:
            os.kill(child, signal.SIGKILL)  # what the OOM killer does

        finished = wait_for(lambda: _finished(snapshot.pk), timeout=240, interval=0.2)
    assert finished.status == "done"
    assert finished.attempts >= 2  # the killed run and the redelivered one
    assert Snapshot.objects.filter(network=big_network).count() == 1
    assert MemberMetric.objects.filter(snapshot=finished).count() == SIZE


def test_killing_the_whole_worker_loses_nothing(big_network, real_broker):
    with celery_worker(queue="celery") as (proc, _queue):
        snapshot = snapshots.snapshot_request(network=big_network, trigger="manual")
        wait_for(lambda: _running(snapshot.pk), timeout=120, interval=0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert Snapshot.objects.get(pk=snapshot.pk).status == "running"

    with celery_worker(queue="celery"):
        # The beat reconciler finds it running with no progress; here we run it at once.
        assert snapshot.pk in snapshots.snapshots_reconcile(stale_after=timedelta(0))
        finished = wait_for(lambda: _finished(snapshot.pk), timeout=240, interval=0.2)
    assert finished.status == "done"
    assert Snapshot.objects.filter(network=big_network).count() == 1
    assert MemberMetric.objects.filter(snapshot=finished).count() == SIZE


FAST_HEARTBEAT = {"WEAVER_SNAPSHOT_HEARTBEAT_SECONDS": "1", "WEAVER_SNAPSHOT_WORKER_LOST_SECONDS": "5"}


def test_a_snapshot_whose_worker_main_process_died_is_resent_and_finishes_within_three_minutes(
    big_network, alice, real_broker, settings
):
    # Timings shortened by settings (here and in the workers' environment), not by sleeping.
    settings.WEAVER_SNAPSHOT_HEARTBEAT_SECONDS = 1
    settings.WEAVER_SNAPSHOT_WORKER_LOST_SECONDS = 5
    api = APIClient()
    api.force_authenticate(alice)
    url = f"/api/v1/networks/{big_network.slug}/snapshots/"

    with celery_worker(queue="celery", extra_env=FAST_HEARTBEAT) as (proc, _queue):
        snapshot = snapshots.snapshot_request(network=big_network, trigger="manual")
        wait_for(lambda: _running(snapshot.pk), timeout=120, interval=0.05)
        claimed = Snapshot.objects.get(pk=snapshot.pk).heartbeat_at
        wait_for(lambda: Snapshot.objects.get(pk=snapshot.pk).heartbeat_at > claimed, timeout=60)
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its pool: nothing is left to redeliver
        proc.wait()
        killed = time.monotonic()

    # The API says so once the heartbeat has been silent for the lost time.
    lost = wait_for(lambda: api.get(f"{url}{snapshot.pk}/").json()["worker_lost"], timeout=60, interval=0.5)
    assert lost is True
    assert api.get(f"{url}{snapshot.pk}/").json()["stage"] == "worker lost, retrying"

    with celery_worker(queue="celery", extra_env=FAST_HEARTBEAT):
        # Beat runs the reconciler every minute; here it runs until it finds the snapshot lost.
        wait_for(lambda: snapshot.pk in snapshots.snapshots_reconcile(), timeout=60, interval=1)
        finished = wait_for(lambda: _finished(snapshot.pk), timeout=180 - (time.monotonic() - killed))
    recovered_in = time.monotonic() - killed
    print(f"killed worker's snapshot re-sent and done in {recovered_in:.1f} s")
    assert finished.status == "done" and finished.attempts == 2
    assert Snapshot.objects.filter(network=big_network).count() == 1
    assert MemberMetric.objects.filter(snapshot=finished).count() == SIZE
    assert api.get(f"{url}{snapshot.pk}/").json()["worker_lost"] is False
