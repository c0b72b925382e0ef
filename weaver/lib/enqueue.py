"""Sending Celery tasks once the transaction commits: one helper, which never fails the request.

The data is committed before its task is sent, so an error while sending (the broker down or out of
reach) must not turn a saved write into a 500. It is logged and kept as an UnsentTask row, which
`resend_unsent_tasks` (every minute, weaver/celery.py) sends again once the broker answers: tasks
are at least once and idempotent, so a task is never lost and a duplicate costs nothing. /readyz
shows how many wait. In-process (eager) there is no broker: the task runs and its errors propagate.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from weaver.models import UnsentTask

log = logging.getLogger(__name__)

KEEP_SENT = timedelta(days=7)


def enqueue_on_commit(task, *args, countdown: float = 0, **kwargs) -> None:
    """Send task(*args, **kwargs) once the transaction commits; a sending error is kept, never raised."""
    transaction.on_commit(lambda: _send(task, list(args), kwargs, countdown))


def _send(task, args: list, kwargs: dict, countdown: float) -> None:
    if task.app.conf.task_always_eager:
        task.apply_async(args, kwargs, countdown=countdown)
        return
    try:
        task.apply_async(args, kwargs, countdown=countdown)
    except Exception as exc:  # kombu and the transports raise many kinds of connection errors
        log.error("could not send %s%s, kept to send again: %s", task.name, tuple(args), exc)
        try:
            UnsentTask.objects.create(
                name=task.name,
                args=args,
                kwargs=kwargs,
                eta=timezone.now() + timedelta(seconds=countdown),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        except Exception:
            log.exception("could not keep %s%s either: it is lost", task.name, tuple(args))


def unsent_tasks_resend(*, limit: int = 500) -> int:
    """Send the kept tasks again, oldest first, stopping at the first failure; returns how many were sent."""
    current_app.loader.import_default_modules()  # every app's tasks registered, outside a worker too
    sent = 0
    now = timezone.now()
    with transaction.atomic():
        waiting = UnsentTask.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        for row in waiting.order_by("id")[:limit]:
            task = current_app.tasks.get(row.name)
            if task is None:
                UnsentTask.objects.filter(pk=row.pk).update(error=f"No task called {row.name} any more.")
                continue
            try:
                task.apply_async(row.args, row.kwargs, countdown=max(0.0, (row.eta - now).total_seconds()))
            except Exception as exc:
                log.error("could not send %s%s again: %s", row.name, tuple(row.args), exc)
                UnsentTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                break
            UnsentTask.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=row.attempts + 1)
            sent += 1
    UnsentTask.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    return sent


def unsent_tasks_count() -> int:
    """How many tasks wait to be sent again (the broker was down when they were first sent)."""
    return UnsentTask.objects.filter(sent_at__isnull=True).count()
