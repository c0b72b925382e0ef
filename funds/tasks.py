"""Fund e-mails as Celery tasks: they take ids, re-fetch, and are safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from funds import emails, services
from funds.models import ReviewAssignment, Round
from weaver.lib.enqueue import enqueue_on_commit

REMINDER_DAYS_BEFORE = 3


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_assignment_emails(assignment_ids: list[int]) -> int:
    """Tell reviewers about new assignments; at least once, each assignment e-mailed at most once."""
    return services.assignments_email_once(
        assignment_ids=assignment_ids, marker="notified_at", build=emails.assignment_email
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_review_reminders(round_id: int) -> int:
    """Remind reviewers with reviews still to write; at least once, each assignment reminded at most once."""
    pending = ReviewAssignment.objects.filter(
        proposal__round_id=round_id,
        proposal__round__status=Round.Status.REVIEW,
        status=ReviewAssignment.Status.ASSIGNED,
        reminded_at__isnull=True,
    ).values_list("pk", flat=True)
    return services.assignments_email_once(
        assignment_ids=list(pending), marker="reminded_at", build=emails.reminder_email
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def review_reminders_due() -> int:
    """Daily: queue reminders for rounds in review whose deadline is a few days away (at least once)."""
    today = timezone.localdate()
    due = Round.objects.filter(
        status=Round.Status.REVIEW,
        review_deadline__gte=today,
        review_deadline__lte=today + timedelta(days=REMINDER_DAYS_BEFORE),
    ).values_list("pk", flat=True)
    for round_id in due:
        enqueue_on_commit(send_review_reminders, round_id)
    return len(due)
