from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from networks import metrics, selectors, services, snapshots
from networks.models import MemberMetric, Snapshot, SuggestionDecision
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory
from tests.workers import wait_for


@pytest.fixture
def triangle_and_tail(network):
    """Ana, Ben, Cai form a triangle; Dee hangs off Cai; Eve is archived; one tie has ended."""
    ana, ben, cai, dee = (MemberFactory(network=network, name=n) for n in ("Ana", "Ben", "Cai", "Dee"))
    eve = MemberFactory(network=network, name="Eve", archived_at=timezone.now())
    for a, b in [(ana, ben), (ben, cai), (cai, ana), (cai, dee), (dee, eve)]:
        RelationshipFactory(network=network, source=a, target=b)
    RelationshipFactory(network=network, source=ana, target=dee, ended_on=timezone.localdate())
    RelationshipFactory(network=network, source=ben, target=ana, kind="funds", strength=5)
    return ana, ben, cai, dee


def test_the_metric_graph_leaves_out_archived_members_and_ended_ties(network, triangle_and_tail):
    members, ties = selectors.network_graph_rows(network=network)
    graph = metrics.build_graph(members, ties)
    assert sorted(graph.nodes[n]["label"] for n in graph) == ["Ana", "Ben", "Cai", "Dee"]
    assert graph.number_of_edges() == 4
    ana, ben, _, _ = triangle_and_tail
    assert graph[ana.pk][ben.pk]["weight"] == 5  # the strongest of the two ties


def test_a_computed_snapshot_stores_figures_and_one_row_per_member(network, triangle_and_tail):
    snapshot = Snapshot.objects.create(network=network)
    snapshot = snapshots.snapshot_compute(snapshot_id=snapshot.pk)
    assert snapshot.status == "done" and snapshot.progress == 100
    assert snapshot.figures["members"] == 4
    assert snapshot.figures["triangles"] == 1
    assert snapshot.figures["unclosed_pairs"] == 2  # Dee–Ana, Dee–Ben through Cai
    assert MemberMetric.objects.filter(snapshot=snapshot).count() == 4
    cai = MemberMetric.objects.get(snapshot=snapshot, member__name="Cai")
    assert cai.is_gatekeeper and cai.degree == 3 and cai.x is not None
    assert {"people", "organisations"} <= set(snapshot.views)
    assert set(snapshot.timings) >= {"read", "betweenness", "layout", "write"}


def test_progress_stays_below_100_through_the_layout_and_the_write_until_done(
    network, triangle_and_tail, monkeypatch
):
    written = []
    real_writer = snapshots._progress_writer

    def recording_writer(snapshot_id):
        write = real_writer(snapshot_id)

        def record(percent, stage):
            written.append((percent, stage))
            write(percent, stage)

        return record

    monkeypatch.setattr(snapshots, "_progress_writer", recording_writer)
    at_layout = []
    real_layout = snapshots.layout

    def layout(*args, **kwargs):
        at_layout.append(Snapshot.objects.get(network=network).progress)
        return real_layout(*args, **kwargs)

    monkeypatch.setattr(snapshots, "layout", layout)
    snapshot = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)

    percents = [percent for percent, _ in written]
    assert percents == sorted(percents) and max(percents) < 100
    assert [stage for _, stage in written][-2:] == ["laying out the map", "writing member rows"]
    assert 0 < at_layout[0] < 100
    assert snapshot.status == "done" and snapshot.progress == 100


def test_delivering_the_same_task_three_times_gives_one_snapshot(network, triangle_and_tail):
    snapshot = Snapshot.objects.create(network=network)
    for _ in range(3):
        snapshots.snapshot_compute(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.attempts == 1
    assert Snapshot.objects.filter(network=network).count() == 1
    assert MemberMetric.objects.filter(snapshot=snapshot).count() == 4


def test_a_failed_computation_is_visible_and_keeps_the_previous_snapshot_current(
    network, triangle_and_tail, monkeypatch
):
    good = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)

    def explode(*args, **kwargs):
        raise MemoryError("graph too large for this worker")

    monkeypatch.setattr(metrics, "compute_views", explode)
    bad = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert bad.status == "failed"
    assert "graph too large" in bad.error
    assert selectors.snapshot_current(network=network) == good


def test_a_running_snapshot_never_replaces_the_current_one(network, triangle_and_tail):
    good = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    Snapshot.objects.create(network=network, status="running")
    assert selectors.snapshot_current(network=network) == good


def test_five_hundred_edits_cause_one_computation(
    network, alice, settings, django_capture_on_commit_callbacks
):
    people = MemberFactory.create_batch(40, network=network)
    pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]][:500]
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for a, b in pairs:
            services.relationship_add(user=alice, network=network, source=a, target=b)
    assert Snapshot.objects.filter(network=network).count() == 1
    assert len(callbacks) == 1
    queued = Snapshot.objects.get(network=network)
    assert queued.status == "queued" and queued.trigger == "change"
    assert queued.not_before >= start + timedelta(seconds=settings.WEAVER_SNAPSHOT_DEBOUNCE_SECONDS)


@pytest.fixture
def computations(monkeypatch):
    """The ids of the snapshots actually computed (not just asked for), in order."""
    computed = []
    real = snapshots._compute_and_store

    def spy(snapshot):
        computed.append(snapshot.pk)
        return real(snapshot)

    monkeypatch.setattr(snapshots, "_compute_and_store", spy)
    return computed


def _edit_ten_times(network, alice, capture) -> None:
    people = MemberFactory.create_batch(5, network=network)
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            with capture(execute=True):  # each edit its own request, its tasks run as it commits
                services.relationship_add(user=alice, network=network, source=a, target=b)


def test_in_process_edits_wait_for_the_debounce_and_the_next_read_computes_once(
    client, network, alice, computations, django_capture_on_commit_callbacks
):
    _edit_ten_times(network, alice, django_capture_on_commit_callbacks)
    assert computations == []  # Celery ignores countdowns in-process: the task itself waits
    queued = Snapshot.objects.get(network=network)
    assert queued.status == "queued"

    client.force_login(alice)
    dashboard = reverse("networks:dashboard", args=[network.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(dashboard)  # still within the debounce: nothing computed
    assert computations == []

    Snapshot.objects.filter(pk=queued.pk).update(not_before=timezone.now() - timedelta(seconds=1))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(dashboard).status_code == 200
    assert computations == [queued.pk]
    queued.refresh_from_db()
    assert queued.status == "done" and queued.figures["ties"] == 10


def test_in_process_the_api_computes_a_snapshot_whose_debounce_has_passed(
    client, network, alice, computations, django_capture_on_commit_callbacks
):
    _edit_ten_times(network, alice, django_capture_on_commit_callbacks)
    Snapshot.objects.filter(network=network).update(not_before=timezone.now() - timedelta(seconds=1))
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/api/v1/networks/{network.slug}/snapshots/")
    assert len(computations) == 1


def test_in_process_the_recompute_button_computes_a_debounced_snapshot_at_once(
    client, network, alice, computations, django_capture_on_commit_callbacks
):
    _edit_ten_times(network, alice, django_capture_on_commit_callbacks)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("networks:snapshot-recompute", args=[network.slug]))
    [computed] = computations
    assert Snapshot.objects.get(pk=computed).status == "done"
    assert Snapshot.objects.filter(network=network).count() == 1


def test_the_recompute_button_brings_a_debounced_snapshot_forward(network, alice):
    debounced = snapshots.snapshot_request_after_change(network=network, user=alice)
    now_one = snapshots.snapshot_request(network=network, trigger="manual", user=alice)
    assert now_one.pk == debounced.pk
    now_one.refresh_from_db()
    assert now_one.not_before <= timezone.now()


def test_the_snapshot_row_is_queued_before_the_task_is_sent_on_commit(
    network, triangle_and_tail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot = snapshots.snapshot_request(network=network, trigger="manual")
        assert Snapshot.objects.get(pk=snapshot.pk).status == "queued"
    assert len(callbacks) == 1
    snapshot.refresh_from_db()
    assert snapshot.status == "done"  # tests run tasks in-process


def test_the_reconciler_requeues_lost_snapshots_and_gives_up_after_five_attempts(network, monkeypatch):
    sent = []
    monkeypatch.setattr(snapshots, "_enqueue", lambda pk, countdown=0: sent.append(pk))
    old = timezone.now() - timedelta(hours=1)
    lost_queued = Snapshot.objects.create(network=network, not_before=old)
    other = MemberFactory().network
    lost_running = Snapshot.objects.create(network=other, status="running", attempts=1)
    Snapshot.objects.filter(pk=lost_running.pk).update(updated_at=old)
    hopeless = Snapshot.objects.create(network=MemberFactory().network, status="running", attempts=5)
    Snapshot.objects.filter(pk=hopeless.pk).update(updated_at=old)
    fresh = Snapshot.objects.create(network=MemberFactory().network, status="running")

    assert snapshots.snapshots_reconcile() == [lost_queued.pk, lost_running.pk]
    hopeless.refresh_from_db()
    assert hopeless.status == "failed" and "5 attempts" in hopeless.error
    fresh.refresh_from_db()
    assert fresh.status == "running"


def test_dismissed_pairs_are_never_suggested_again(network, alice, triangle_and_tail):
    ana, _ben, _cai, dee = triangle_and_tail
    first = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert {frozenset((s["a"], s["b"])) for s in first.suggestions} >= {frozenset((ana.pk, dee.pk))}
    a, b = sorted([ana.pk, dee.pk])
    SuggestionDecision.objects.create(
        network=network, member_a_id=a, member_b_id=b, decision="dismissed", decided_by=alice
    )
    second = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert frozenset((ana.pk, dee.pk)) not in {frozenset((s["a"], s["b"])) for s in second.suggestions}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_compute_the_same_network_at_once(network, triangle_and_tail):
    snapshot = Snapshot.objects.create(network=network)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [snapshots.LOCK_NAMESPACE, network.pk])
        with pytest.raises(snapshots.NetworkBusy):
            snapshots.snapshot_compute(snapshot_id=snapshot.pk)
        snapshot.refresh_from_db()
        assert snapshot.status == "queued"
    finally:
        other.close()  # the server releases a session's locks when it goes, as when a worker dies
    wait_for(lambda: not _advisory_locks_held(network.pk), timeout=10)  # its backend exits a moment later
    assert snapshots.snapshot_compute(snapshot_id=snapshot.pk).status == "done"


def _advisory_locks_held(network_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
            [snapshots.LOCK_NAMESPACE, network_id],
        )
        return cursor.fetchone()[0]


def test_the_beat_schedule_runs_the_reconciler_every_minute_and_a_snapshot_every_night():
    from celery.schedules import crontab

    from networks import tasks
    from weaver.celery import app

    by_task = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    reconcile = by_task["networks.tasks.reconcile_snapshots"]
    assert reconcile <= snapshots.OVERDUE.total_seconds()  # a lost task is noticed within its overdue time
    nightly = by_task["networks.tasks.nightly_snapshots"]
    assert isinstance(nightly, crontab) and len(nightly.hour) == 1 and len(nightly.minute) == 1
    assert tasks.reconcile_snapshots.name == "networks.tasks.reconcile_snapshots"
    assert tasks.nightly_snapshots.name == "networks.tasks.nightly_snapshots"


def test_nightly_requests_a_snapshot_of_every_network(network, other_network, monkeypatch):
    monkeypatch.setattr(snapshots, "_enqueue", lambda pk, countdown=0: None)
    ids = snapshots.snapshots_nightly()
    assert Snapshot.objects.filter(pk__in=ids, trigger="nightly").count() == 2


def test_compute_metrics_json_follows_the_design_contract(network, triangle_and_tail, capsys):
    OrganisationFactory(network=network, name="Valley Clinic")
    call_command("compute_metrics", network.slug, "--json")
    import json

    data = json.loads(capsys.readouterr().out)
    for key in (
        "members",
        "ties",
        "density",
        "components",
        "average_clustering",
        "transitivity",
        "triangles",
        "open_triads",
        "unclosed_pairs",
    ):
        assert key in data["network"]
    cai = next(m for m in data["members"] if m["label"] == "Cai")
    assert cai["email"] and cai["roles"] and "betweenness" in cai and "core_number" in cai
    assert ["Cai", "Dee"] in data["bridges"]
    assert data["gatekeepers"] == ["Cai"]
    first = data["suggestions"][0]
    assert {first["a"], first["b"]} <= {"Ana", "Ben", "Dee"} and first["shared"] == ["Cai"]
    assert "score" in first


def test_compute_metrics_prints_a_summary(network, triangle_and_tail, capsys):
    call_command("compute_metrics", network.slug)
    out = capsys.readouterr().out
    assert "members 4, ties 4" in out and "unclosed pairs 2" in out


def test_compute_metrics_takes_over_a_snapshot_already_waiting_for_a_worker(
    network, triangle_and_tail, capsys, monkeypatch
):
    monkeypatch.setattr(snapshots, "_enqueue", lambda pk, countdown=0: None)  # no worker running
    waiting = snapshots.snapshot_request_after_change(network=network)  # debounced: due in a minute
    call_command("compute_metrics", network.slug)
    waiting.refresh_from_db()
    assert waiting.status == "done"
    assert Snapshot.objects.filter(network=network).count() == 1
    assert f"Snapshot #{waiting.pk}" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_in_process_a_busy_network_never_fails_the_edit_and_the_snapshot_is_sent_again(
    network, alice, triangle_and_tail, settings
):
    settings.WEAVER_SNAPSHOT_DEBOUNCE_SECONDS = 0  # so the edit's task tries to compute, and finds it busy
    ana, _ben, _cai, dee = triangle_and_tail
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [snapshots.LOCK_NAMESPACE, network.pk])
        services.relationship_add(user=alice, network=network, source=ana, target=dee)  # must not raise
        waiting = Snapshot.objects.get(network=network, status="queued")
    finally:
        other.close()
    Snapshot.objects.filter(pk=waiting.pk).update(not_before=timezone.now() - timedelta(minutes=5))
    services.member_create(user=alice, network=network, name="Fay")  # the next edit re-sends it
    waiting.refresh_from_db()
    assert waiting.status == "done"
