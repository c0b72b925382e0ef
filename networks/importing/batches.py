"""Imports through the pages: a stored batch, checked by one task and applied by another.

Reliability rules, as for snapshots:
- the batch row (with its files) exists before a task is enqueued, on commit;
- each task takes the batch id, claims the batch with a guarded status update, and returns quietly
  when the batch is gone or already past its step, so a redelivered or duplicate task is harmless;
- the confirm plans and writes in one transaction under the network's row lock: a killed worker
  leaves nothing written, and a second delivery waits for the lock, then finds the batch applied;
- progress (rows done of total) is written as it goes, from a second database connection while the
  transaction is open, so pages see it; the reconciler re-sends a batch with no progress for
  WEAVER_IMPORT_STALE_SECONDS, and marks it failed after MAX_ATTEMPTS.
"""

import logging
import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from networks.importing.applying import CHECKING, import_run
from networks.importing.planning import import_plan
from networks.importing.reading import SourceFile, read_files
from networks.models import ImportBatch, ImportFile, Network
from weaver.lib.enqueue import enqueue_on_commit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROGRESS_INTERVAL = 0.5  # seconds between progress writes
READING = "reading the file"
CHANGED_SINCE_PREVIEW = (
    "The network changed since the preview and the file now has problems, listed below. Nothing was imported."
)
WORKING = (ImportBatch.Status.UPLOADED, ImportBatch.Status.PREVIEWING, ImportBatch.Status.CONFIRMING)


def _send_on_commit(task_name: str, batch_id: int) -> None:
    """Send the batch's task once the batch is committed; a broker error is kept, never raised.

    weaver.lib.enqueue keeps a task the broker refused and sends it again; the batch row also says what
    is left to do, so the reconciler sends it again later.
    """
    from networks import tasks

    enqueue_on_commit(getattr(tasks, task_name), batch_id)


def batch_files(batch: ImportBatch) -> list[SourceFile]:
    return [SourceFile(name=f.name, content=bytes(f.content)) for f in batch.files.order_by("pk")]


@transaction.atomic
def import_batch_create(*, user, network: Network, files: list[SourceFile]) -> ImportBatch:
    """Store uploaded files as a batch and enqueue its check (the preview); writes no members or ties."""
    batch = ImportBatch.objects.create(
        network=network,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        status=ImportBatch.Status.UPLOADED,
        stage="waiting for a worker",
        summary={"files": [f.name for f in files]},
    )
    ImportFile.objects.bulk_create([ImportFile(batch=batch, name=f.name, content=f.content) for f in files])
    _send_on_commit("preview_import", batch.pk)
    return batch


@contextmanager
def _progress_reporter(batch_id: int):
    """Yield report(stage, done, total, force=False), which writes at most every PROGRESS_INTERVAL.

    Inside a transaction on PostgreSQL the write goes through a second connection (autocommit), so
    other sessions see it at once; it touches only the batch row, which the transaction never locks
    before its last statement. On SQLite (in-process tasks) it is written with the transaction.
    """
    side = None
    last = 0.0
    table = connection.ops.quote_name(ImportBatch._meta.db_table)
    sql = (
        f"UPDATE {table} SET stage = %s, rows_done = %s, rows_total = %s, updated_at = %s "
        "WHERE id = %s AND status IN (%s, %s)"
    )
    running = [ImportBatch.Status.PREVIEWING.value, ImportBatch.Status.CONFIRMING.value]

    def report(stage: str, done: int, total: int, force: bool = False) -> None:
        nonlocal side, last
        if not force and time.monotonic() - last < PROGRESS_INTERVAL:
            return
        last = time.monotonic()
        now = timezone.now()
        if connection.in_atomic_block and connection.vendor == "postgresql":
            if side is None:
                side = connection.copy()
            with side.cursor() as cursor:
                cursor.execute(sql, [stage[:60], done, total, now, batch_id, *running])
        else:
            ImportBatch.objects.filter(pk=batch_id, status__in=running).update(
                stage=stage[:60], rows_done=done, rows_total=total, updated_at=now
            )

    try:
        yield report
    finally:
        if side is not None:
            side.close()


def _fail(batch_id: int, status: str, error: str) -> None:
    ImportBatch.objects.filter(pk=batch_id, status=status).update(
        status=ImportBatch.Status.FAILED, error=error[:5000], stage="", updated_at=timezone.now()
    )


def _unexpected(exc: Exception) -> str:
    return f"The import stopped with an error; nothing was imported. ({type(exc).__name__}: {exc})"


def import_batch_preview(*, batch_id: int) -> ImportBatch | None:
    """Check an uploaded batch: counts and bad rows into its summary; a no-op once checked or gone."""
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.UPLOADED, ImportBatch.Status.PREVIEWING]
    ).update(
        status=ImportBatch.Status.PREVIEWING,
        attempts=F("attempts") + 1,
        stage=READING,
        rows_done=0,
        rows_total=0,
        updated_at=timezone.now(),
    )
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("network").first()
    if not claimed or batch is None:
        return batch
    try:
        with _progress_reporter(batch_id) as report:
            read = read_files(batch_files(batch))
            total = read.row_count
            report(CHECKING, 0, total, force=True)
            plan = import_plan(
                network=batch.network, read=read, progress=lambda done: report(CHECKING, done, total)
            )
    except Exception as exc:
        log.exception("import batch %s: preview failed", batch_id)
        _fail(batch_id, ImportBatch.Status.PREVIEWING, _unexpected(exc))
        return ImportBatch.objects.get(pk=batch_id)
    ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.PREVIEWING).update(
        status=ImportBatch.Status.PREVIEWED if plan.is_valid else ImportBatch.Status.REJECTED,
        summary=plan.summary(),
        stage="",
        rows_done=total,
        rows_total=total,
        updated_at=timezone.now(),
    )
    return ImportBatch.objects.get(pk=batch_id)


def import_batch_confirm(*, user, batch: ImportBatch) -> ImportBatch:
    """Confirm a previewed batch: mark it confirming and enqueue its apply; a repeat joins the first."""
    with transaction.atomic():
        confirmed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
            status=ImportBatch.Status.CONFIRMING,
            confirmed_by=user if getattr(user, "is_authenticated", False) else None,
            attempts=0,
            stage="waiting for a worker",
            rows_done=0,
            rows_total=0,
            error="",
            updated_at=timezone.now(),
        )
        current = ImportBatch.objects.get(pk=batch.pk)
        if not confirmed:
            if current.status == ImportBatch.Status.APPLIED:
                raise ValidationError("This import has already been applied.")
            if current.status == ImportBatch.Status.CONFIRMING:
                return current
            if current.status in (ImportBatch.Status.UPLOADED, ImportBatch.Status.PREVIEWING):
                raise ValidationError("This import is still being checked; confirm it once it is ready.")
            if current.status == ImportBatch.Status.FAILED:
                raise ValidationError("This import did not finish; upload the file again.")
            raise ValidationError("This import has problems and cannot be applied; upload a corrected file.")
        _send_on_commit("apply_import", batch.pk)
    return current


def import_batch_apply(*, batch_id: int) -> ImportBatch | None:
    """Apply a confirmed batch in one transaction, re-planned against the network as it is now.

    A no-op when the batch is gone or no longer confirming (applied by an earlier delivery).
    """
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.CONFIRMING).update(
        attempts=F("attempts") + 1, stage=READING, rows_done=0, rows_total=0, updated_at=timezone.now()
    )
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("network", "confirmed_by").first()
    if not claimed or batch is None:
        return batch
    try:
        read = read_files(batch_files(batch))
        with _progress_reporter(batch_id) as report, transaction.atomic():
            Network.objects.select_for_update().filter(pk=batch.network_id).first()
            # A duplicate delivery waited for the lock above while the first one applied the batch.
            if not ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.CONFIRMING).exists():
                return ImportBatch.objects.get(pk=batch_id)
            report(CHECKING, 0, read.row_count, force=True)
            plan = import_run(user=batch.confirmed_by, network=batch.network, read=read, progress=report)
            finished = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.CONFIRMING).update(
                status=ImportBatch.Status.APPLIED if plan.is_valid else ImportBatch.Status.REJECTED,
                summary=plan.summary(),
                error="" if plan.is_valid else CHANGED_SINCE_PREVIEW,
                applied_at=timezone.now() if plan.is_valid else None,
                stage="",
                rows_done=read.row_count,
                rows_total=read.row_count,
                updated_at=timezone.now(),
            )
            if not finished:
                # The reconciler gave up on this batch meanwhile: its page says nothing was imported.
                transaction.set_rollback(True)
    except ValidationError as exc:
        _fail(batch_id, ImportBatch.Status.CONFIRMING, " ".join(exc.messages))
    except Exception as exc:
        log.exception("import batch %s: apply failed", batch_id)
        _fail(batch_id, ImportBatch.Status.CONFIRMING, _unexpected(exc))
    return ImportBatch.objects.get(pk=batch_id)


def import_batches_reconcile(*, stale_after: timedelta | None = None) -> list[int]:
    """Re-send batches whose task was lost (no progress for the staleness setting); fail the hopeless."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.WEAVER_IMPORT_STALE_SECONDS)
    now = timezone.now()
    resent = []
    stuck = ImportBatch.objects.filter(status__in=WORKING, updated_at__lte=now - stale_after)
    for batch in stuck.order_by("id"):
        if batch.attempts >= MAX_ATTEMPTS:
            _fail(
                batch.pk,
                batch.status,
                f"Gave up after {batch.attempts} attempts: the worker stopped each time (it may have run "
                "out of memory). Nothing was imported; try a smaller file, or tell whoever runs Weaver.",
            )
            continue
        # Touched, so the next run waits another stale period before sending it again.
        if not ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(updated_at=now):
            continue
        task = "apply_import" if batch.status == ImportBatch.Status.CONFIRMING else "preview_import"
        _send_on_commit(task, batch.pk)
        resent.append(batch.pk)
    return resent
