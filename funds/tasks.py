"""Fund e-mails as Celery tasks: they take ids, re-fetch, and are safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from funds import emails
from funds.models import ReviewAssignment, Round

REMINDER_DAYS_BEFORE = 3


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_assignment_emails(assignment_ids: list[int]) -> int:
    """Tell reviewers about new assignments; at least once, each assignment e-mailed at most once."""
    sent = 0
    for assignment_id in assignment_ids:
        with transaction.atomic():
            assignment = (
                ReviewAssignment.objects.select_for_update(of=("self",))
                .select_related("reviewer__user", "proposal__round__fund__network")
                .filter(pk=assignment_id, notified_at__isnull=True, status=ReviewAssignment.Status.ASSIGNED)
                .first()
            )
            if assignment is None:
                continue
            emails.assignment_email(assignment).send()
            assignment.notified_at = timezone.now()
            assignment.save(update_fields=["notified_at"])
            sent += 1
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_review_reminders(round_id: int) -> int:
    """Remind reviewers with reviews still to write; at least once, each assignment reminded at most once."""
    rnd = Round.objects.filter(pk=round_id, status=Round.Status.REVIEW).first()
    if rnd is None:
        return 0
    sent = 0
    pending = ReviewAssignment.objects.filter(
        proposal__round=rnd, status=ReviewAssignment.Status.ASSIGNED, reminded_at__isnull=True
    ).values_list("pk", flat=True)
    for assignment_id in list(pending):
        with transaction.atomic():
            assignment = (
                ReviewAssignment.objects.select_for_update(of=("self",))
                .select_related("reviewer__user", "proposal__round__fund__network")
                .filter(pk=assignment_id, reminded_at__isnull=True, status=ReviewAssignment.Status.ASSIGNED)
                .first()
            )
            if assignment is None:
                continue
            emails.reminder_email(assignment).send()
            assignment.reminded_at = timezone.now()
            assignment.save(update_fields=["reminded_at"])
            sent += 1
    return sent


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
        send_review_reminders.delay_on_commit(round_id)
    return len(due)
