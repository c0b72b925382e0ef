from celery import shared_task

from networks import importing, services, snapshots


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def compute_snapshot(self, snapshot_id: int) -> str | None:
    """Compute a snapshot once its debounce has passed; at least once, idempotent (finished ones are left)."""
    wait = snapshots.snapshot_due_in(snapshot_id=snapshot_id)
    if wait > 0:
        if self.request.is_eager:
            # In-process, Celery ignores the countdown: the next request that reads snapshots computes it.
            return "waiting"
        raise self.retry(countdown=wait)  # delivered early (clocks differ): wait out the rest
    try:
        snapshot = snapshots.snapshot_compute(snapshot_id=snapshot_id)
    except snapshots.NetworkBusy:
        if self.request.is_eager:
            # In-process mode: never fail the edit that asked; the next request re-sends it.
            return "busy"
        raise self.retry(countdown=min(60, 5 * 2**self.request.retries)) from None
    return snapshot.status if snapshot else None


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reconcile_snapshots() -> list[int]:
    """Re-enqueue snapshots whose task was lost; at least once, harmless to repeat."""
    return snapshots.snapshots_reconcile()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def nightly_snapshots() -> list[int]:
    """Request a snapshot of every network; at least once, joins any already queued."""
    return snapshots.snapshots_nightly()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_access_invitation(invitation_id: int) -> bool:
    """E-mail an access invitation's link while it is pending; at least once (a repeat is one more e-mail)."""
    return services.access_invitation_send(invitation_id=invitation_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def preview_import(batch_id: int) -> str | None:
    """Check an uploaded import batch (counts, bad rows); at least once, idempotent (checked: left)."""
    batch = importing.import_batch_preview(batch_id=batch_id)
    return batch.status if batch else None


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_import(batch_id: int) -> str | None:
    """Apply a confirmed import batch in one transaction; at least once, idempotent (applied: left)."""
    batch = importing.import_batch_apply(batch_id=batch_id)
    return batch.status if batch else None


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reconcile_imports() -> list[int]:
    """Re-send import batches whose task was lost, or fail them; at least once, harmless to repeat."""
    return importing.import_batches_reconcile()
