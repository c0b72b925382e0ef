"""Services for metric snapshots: request (debounced), compute (once, one worker per network), reconcile.

Reliability rules, in one place:
- the snapshot row exists (queued) before its task is enqueued, on commit;
- at most one queued snapshot per network (a database constraint): further changes join it, which
  is the debounce;
- one computation per network at a time: a PostgreSQL session advisory lock, released by the
  server if the worker dies, so a redelivered task can take over at once;
- a run finishes once: member rows and the "done" update are written in one transaction, guarded
  on the status, so re-deliveries find it done and return;
- a running computation touches its row's heartbeat every few seconds (a thread); a periodic
  reconciler re-enqueues snapshots left queued, or running with a silent heartbeat and no session
  holding the network's lock (the worker is gone), or running past the task's hard time limit.
"""

import csv
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, F, TextField
from django.db.models.functions import Coalesce
from django.utils import timezone

from networks import metrics
from networks.layout import layout
from networks.models import (
    MemberMetric,
    MemberViewMetric,
    Network,
    Snapshot,
    SnapshotTies,
    SuggestionDecision,
)
from networks.selectors import network_graph_rows
from weaver.lib.enqueue import enqueue_on_commit

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 7_340_001  # first key of pg_try_advisory_lock(int, int): "network snapshot"
MAX_ATTEMPTS = 5
OVERDUE = timedelta(minutes=2)
BULK_BATCH = 5000
VIEW_NAMES = ("people", "organisations")


class NetworkBusy(Exception):
    """Another worker is computing this network right now."""


def _enqueue(snapshot_id: int, countdown: float = 0) -> None:
    from networks.tasks import compute_snapshot

    enqueue_on_commit(compute_snapshot, snapshot_id, countdown=countdown)


def _in_process() -> bool:
    from networks.tasks import compute_snapshot

    return bool(compute_snapshot.app.conf.task_always_eager)


def _send_if_due(queued: Snapshot, now) -> None:
    """Send a queued snapshot's task again when nothing else will compute it: the one resend rule.

    In-process (eager) nothing waits out the debounce, so its task returned at once: it is sent again
    once the debounce has passed. With a worker, the task runs on time; it is sent again only when it
    is overdue and may have been lost (computing is idempotent, so a duplicate costs nothing).
    """
    if queued.not_before <= (now if _in_process() else now - OVERDUE):
        _enqueue(queued.pk)


def snapshot_request(*, network: Network, trigger: str, user=None, delay_seconds: int = 0) -> Snapshot:
    """Ask for a fresh snapshot; joins the network's queued one if there is one (the debounce)."""
    now = timezone.now()
    queued = Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).first()
    if queued is not None:
        if delay_seconds == 0 and queued.not_before > now:
            # Someone asked for it now: bring the debounced computation forward.
            Snapshot.objects.filter(pk=queued.pk).update(not_before=now)
            _enqueue(queued.pk)
        else:
            _send_if_due(queued, now)
        return queued
    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(
                network=network,
                trigger=trigger,
                requested_by=user if getattr(user, "is_authenticated", False) else None,
                not_before=now + timedelta(seconds=delay_seconds),
            )
    except IntegrityError:
        # A concurrent request created the queued snapshot first: join it.
        return Snapshot.objects.get(network=network, status=Snapshot.Status.QUEUED)
    _enqueue(snapshot.pk, countdown=delay_seconds)
    return snapshot


def snapshot_request_after_change(*, network: Network, user=None) -> Snapshot:
    """Recompute after edits, debounced: many edits within the window cause one computation."""
    return snapshot_request(
        network=network,
        trigger=Snapshot.Trigger.CHANGE,
        user=user,
        delay_seconds=settings.WEAVER_SNAPSHOT_DEBOUNCE_SECONDS,
    )


def snapshot_resume(*, network: Network) -> None:
    """Before a page or the API reads snapshots: in-process, compute one whose debounce has passed.

    With a worker this costs nothing (no query): the task runs on time and the reconciler re-sends lost
    ones. In-process there is no timer, so the next request that reads snapshots computes it.
    """
    if not _in_process():
        return
    queued = Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).only("id", "not_before")
    for snapshot in queued:
        _send_if_due(snapshot, timezone.now())


def snapshot_due_in(*, snapshot_id: int) -> float:
    """Seconds until a queued snapshot may be computed (its debounce); 0 when it is due, running or gone."""
    not_before = (
        Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.QUEUED)
        .values_list("not_before", flat=True)
        .first()
    )
    if not_before is None:
        return 0.0
    return max(0.0, (not_before - timezone.now()).total_seconds())


@contextmanager
def _network_lock(network_id: int):
    if connection.vendor != "postgresql":
        yield  # SQLite: one process, tasks in-process; nothing else can compute concurrently
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, network_id])
        if not cursor.fetchone()[0]:
            raise NetworkBusy(network_id)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, network_id])


def _network_locked(network_id: int) -> bool:
    """Whether some session holds the network's computation lock: a live worker computing it."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            " AND l.classid = %s AND l.objid = %s AND l.objsubid = 2)",
            [LOCK_NAMESPACE, network_id],
        )
        return cursor.fetchone()[0]


@contextmanager
def _heartbeat(snapshot_id: int):
    """Touch the running snapshot's heartbeat_at every WEAVER_SNAPSHOT_HEARTBEAT_SECONDS while the block runs.

    A thread, because a single stage (igraph's betweenness on a large network) runs for minutes without
    a progress callback. igraph holds the GIL while it computes, which can delay a beat: so the
    reconciler also asks PostgreSQL whether the network's lock is still held before calling a worker lost.
    """
    stop = threading.Event()
    interval = settings.WEAVER_SNAPSHOT_HEARTBEAT_SECONDS

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a missed beat is harmless; the next one may get through
                    log.warning("snapshot %s: heartbeat not written", snapshot_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"snapshot-{snapshot_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def snapshot_worker_lost(*, network_id: int, status: str, heartbeat_at) -> bool:
    """Running, but its worker is gone: silent for WEAVER_SNAPSHOT_WORKER_LOST_SECONDS and no lock held."""
    if status != Snapshot.Status.RUNNING or heartbeat_at is None:
        return False
    silent_since = timezone.now() - timedelta(seconds=settings.WEAVER_SNAPSHOT_WORKER_LOST_SECONDS)
    return heartbeat_at < silent_since and not _network_locked(network_id)


def _progress_writer(snapshot_id: int) -> Callable[[int, str], None]:
    def write(percent: int, stage: str) -> None:
        # A running snapshot stays below 100: 100 means done (rows written).
        now = timezone.now()
        Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.RUNNING).update(
            progress=max(0, min(99, int(percent))), stage=stage[:60], updated_at=now, heartbeat_at=now
        )

    return write


def snapshot_compute(*, snapshot_id: int) -> Snapshot | None:
    """Compute a queued (or abandoned running) snapshot; a no-op when it is finished or gone."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id).select_related("network").first()
    if snapshot is None or snapshot.is_finished:
        return snapshot
    with _network_lock(snapshot.network_id):
        claimed = Snapshot.objects.filter(
            pk=snapshot_id, status__in=[Snapshot.Status.QUEUED, Snapshot.Status.RUNNING]
        ).update(
            status=Snapshot.Status.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            attempts=F("attempts") + 1,
            progress=0,
            stage="reading the network",
        )
        if not claimed:
            return Snapshot.objects.get(pk=snapshot_id)
        try:
            with _heartbeat(snapshot_id):
                _compute_and_store(snapshot)
        except Exception as exc:
            log.exception("snapshot %s failed", snapshot_id)
            snapshot_fail(snapshot_id=snapshot_id, error=f"{type(exc).__name__}: {exc}")
    return Snapshot.objects.get(pk=snapshot_id)


# Progress of a computation: the maths runs to MATHS_DONE, then the layout and the bulk write; 100 is
# written only with "done".
READ_DONE, MATHS_DONE, LAYOUT_DONE = 2, 85, 90


def _view_summary(view: dict) -> dict:
    """What the snapshot row keeps of a people-only or organisations-only view for the map: bridges,
    gatekeepers and communities (its figures go to view_figures, its rows to MemberViewMetric)."""
    return {name: view[name] for name in ("bridges", "gatekeepers", "communities")}


def _view_figures(view: dict) -> dict:
    """A view's per-network figures with its method: the small document metrics/ answers with."""
    return {**view["network"], "method": view["method"]}


def _compute_and_store(snapshot: Snapshot) -> None:
    started = time.perf_counter()
    members, ties = network_graph_rows(network=snapshot.network)
    graph = metrics.build_graph(members, ties)
    read_seconds = time.perf_counter() - started
    progress = _progress_writer(snapshot.pk)
    progress(READ_DONE, "reading the network")
    organisations = metrics.organisations_view(graph)
    views = metrics.compute_views(
        graph,
        progress=lambda percent, stage: progress(
            READ_DONE + percent * (MATHS_DONE - READ_DONE) // 100, stage
        ),
        exclude_pairs=dismissed_pairs(network=snapshot.network),
        organisations=organisations,
    )
    # Projections (people's ties onto their organisations) cannot be read back from the relationships.
    organisation_ties = sorted(
        [min(u, v), max(u, v), w] for u, v, w in organisations.edges(data="weight", default=3)
    )
    result = views["all"]
    # The all-members view's stages, then each stage of the stored snapshot; "total" is the whole run.
    timings = {"read": round(read_seconds, 3), **result["timings"]}
    timings["all_view"] = timings.pop("total")
    timings["people_view"] = views["people"]["timings"]["total"]
    timings["organisations_view"] = views["organisations"]["timings"]["total"]

    progress(MATHS_DONE, "laying out the map")
    layout_started = time.perf_counter()
    communities = {row["id"]: row["community"] for row in result["members"]}
    positions = layout(graph, seed=metrics.SEED, groups=communities)
    timings["layout"] = round(time.perf_counter() - layout_started, 3)

    progress(LAYOUT_DONE, "writing member rows")
    write_started = time.perf_counter()
    rows = [
        MemberMetric(
            snapshot_id=snapshot.pk,
            x=positions[row["id"]][0] if row["id"] in positions else None,
            y=positions[row["id"]][1] if row["id"] in positions else None,
            **_member_metric_fields(row),
        )
        for row in result["members"]
    ]
    view_rows = [
        MemberViewMetric(snapshot_id=snapshot.pk, view=name, **_member_metric_fields(row))
        for name in (MemberViewMetric.View.PEOPLE, MemberViewMetric.View.ORGANISATIONS)
        for row in views[name]["members"]
    ]
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status != Snapshot.Status.RUNNING:
            return  # finished by an earlier delivery; leave it as it is
        MemberMetric.objects.filter(snapshot_id=snapshot.pk).delete()
        MemberViewMetric.objects.filter(snapshot_id=snapshot.pk).delete()
        _write_rows(MemberMetric, rows)
        _write_rows(MemberViewMetric, view_rows)
        SnapshotTies.objects.update_or_create(
            snapshot_id=snapshot.pk, view="organisations", defaults={"ties": organisation_ties}
        )
        timings["write"] = round(time.perf_counter() - write_started, 3)
        timings["total"] = round(time.perf_counter() - started, 3)
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=Snapshot.Status.DONE,
            progress=100,
            stage="done",
            error="",
            finished_at=timezone.now(),
            timings=timings,
            method=result["method"],
            figures=result["network"],
            view_figures={name: _view_figures(views[name]) for name in VIEW_NAMES},
            views={name: _view_summary(views[name]) for name in VIEW_NAMES},
            bridges=result["bridges"],
            gatekeepers=result["gatekeepers"],
            communities=result["communities"],
            suggestions=result["suggestions"],
        )
    if connection.vendor == "postgresql":
        # Fresh statistics, so the first reads of a large snapshot's rows use the indexes.
        with connection.cursor() as cursor:
            for model in (MemberMetric, MemberViewMetric):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


def _write_rows(model, rows: list) -> None:
    """Unsaved rows in bulk: PostgreSQL's COPY (20,000 metric rows in 1.3-1.6 s where bulk_create took
    4.8-5.2 s, both at load 11 on 2 cores), bulk_create elsewhere."""
    if connection.vendor != "postgresql" or not rows:
        model.objects.bulk_create(rows, batch_size=BULK_BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_copy_text(f, getattr(row, f.attname)) for f in fields])
    buffer.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # In CSV an empty field is NULL; in the text columns (a blank explanation) it is an empty text.
    texts = ", ".join(quote(f.column) for f in fields if isinstance(f, CharField | TextField) and not f.null)
    with connection.cursor() as cursor:
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv"
        sql += f", FORCE_NOT_NULL ({texts}))" if texts else ")"
        cursor.cursor.copy_expert(sql, buffer)


def _copy_text(field, value):
    if field.get_internal_type() == "JSONField":
        return json.dumps(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    return value  # None is written empty: NULL (but in the text columns, see _write_rows)


_METRIC_FIELDS = [
    f.name for f in MemberMetric._meta.concrete_fields if f.name not in {"id", "snapshot", "member"}
]


def _member_metric_fields(row: dict) -> dict:
    fields = {name: row[name] for name in _METRIC_FIELDS if name in row}
    fields["member_id"] = row["id"]
    return fields


def snapshot_fail(*, snapshot_id: int, error: str) -> None:
    """Mark a running snapshot failed with its error; the previous done snapshot stays current."""
    Snapshot.objects.filter(pk=snapshot_id, status=Snapshot.Status.RUNNING).update(
        status=Snapshot.Status.FAILED, error=error[:5000], finished_at=timezone.now(), stage="failed"
    )


def snapshots_reconcile(*, stale_after: timedelta | None = None) -> list[int]:
    """Re-enqueue snapshots whose task was lost: queued too long, or running with its worker gone.

    A running one is taken for lost when its heartbeat is silent and no session holds its network's lock
    (PostgreSQL drops a dead worker's session and its lock), or, whatever the lock says, when it has run
    past the task's hard time limit (a machine that vanished without closing its connections).
    """
    now = timezone.now()
    if stale_after is None:
        stale_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    lost_after = timedelta(seconds=settings.WEAVER_SNAPSHOT_WORKER_LOST_SECONDS)
    queued = Snapshot.objects.filter(
        status=Snapshot.Status.QUEUED, not_before__lt=now - min(stale_after, OVERDUE)
    )
    silent = (
        Snapshot.objects.filter(status=Snapshot.Status.RUNNING)
        .annotate(last_beat=Coalesce("heartbeat_at", "updated_at"))
        .filter(last_beat__lt=now - min(stale_after, lost_after))
    )
    lost = [s for s in silent if s.last_beat < now - stale_after or not _network_locked(s.network_id)]
    requeued = []
    for snapshot in sorted([*queued, *lost], key=lambda s: s.pk):
        if snapshot.attempts >= MAX_ATTEMPTS:
            Snapshot.objects.filter(pk=snapshot.pk, status=snapshot.status).update(
                status=Snapshot.Status.FAILED,
                error=f"Gave up after {snapshot.attempts} attempts.",
                finished_at=now,
            )
            continue
        _enqueue(snapshot.pk)
        requeued.append(snapshot.pk)
    return requeued


def snapshots_nightly() -> list[int]:
    """Request a snapshot of every network (joins any already queued)."""
    return [
        snapshot_request(network=network, trigger=Snapshot.Trigger.NIGHTLY).pk
        for network in Network.objects.order_by("id")
    ]


def dismissed_pairs(*, network: Network) -> list[tuple[int, int]]:
    """Member pairs a coordinator dismissed: never suggested again."""
    return list(
        SuggestionDecision.objects.filter(
            network=network, decision=SuggestionDecision.Decision.DISMISSED
        ).values_list("member_a_id", "member_b_id")
    )


def snapshot_export(snapshot: Snapshot) -> dict:
    """The snapshot as DESIGN.md's JSON: figures, members with label and email, everything else labelled."""
    rows = list(
        MemberMetric.objects.filter(snapshot=snapshot)
        .select_related("member")
        .order_by("member__name", "member_id")
    )
    label = {m.member_id: m.member.name for m in rows}
    members = [
        {
            "id": m.member_id,
            "label": m.member.name,
            "email": m.member.email,
            "kind": m.member.kind,
            **{name: getattr(m, name) for name in _METRIC_FIELDS if name not in {"x", "y"}},
        }
        for m in rows
    ]
    return {
        "snapshot": {
            "id": snapshot.pk,
            "finished_at": snapshot.finished_at.isoformat() if snapshot.finished_at else None,
            "method": snapshot.method,
            "timings": snapshot.timings,
        },
        "network": snapshot.figures,
        "views": snapshot.view_figures,
        "members": members,
        "bridges": [[label.get(a, a), label.get(b, b)] for a, b in snapshot.bridges],
        "gatekeepers": [label.get(g, g) for g in snapshot.gatekeepers],
        "communities": snapshot.communities,
        "suggestions": [
            {**s, "a": s["a_label"], "b": s["b_label"], "shared": s["shared_labels"]}
            for s in snapshot.suggestions
        ],
    }
