from celery import shared_task

from surveys import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_invitation_emails(invitation_ids: list[int], reminder: bool = False) -> int:
    """E-mail these invitations (or reminders); at least once: a sent invitation is not sent again."""
    return sum(services.invitation_deliver(invitation_id=pk, reminder=reminder) for pk in invitation_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def survey_reminders_due() -> list[int]:
    """Send each open campaign's automatic reminder when it falls due; at least once, each campaign once."""
    return services.campaigns_remind_due()
