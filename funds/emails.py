"""The e-mails funds send, rendered from templates/funds/emails/ (console backend by default)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from funds.models import ReviewAssignment
from weaver.lib.urls import absolute_url


def _my_reviews_url(assignment: ReviewAssignment) -> str:
    return absolute_url("funds:my-reviews", slug=assignment.proposal.round.fund.network.slug)


def _message(template: str, subject: str, assignment: ReviewAssignment) -> EmailMessage:
    context = {
        "assignment": assignment,
        "proposal": assignment.proposal,
        "round": assignment.proposal.round,
        "reviewer": assignment.reviewer,
        "url": _my_reviews_url(assignment),
    }
    body = render_to_string(template, context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[assignment.reviewer.user.email],
    )


def assignment_email(assignment: ReviewAssignment) -> EmailMessage:
    return _message(
        "funds/emails/assigned.txt",
        f"A proposal to review: {assignment.proposal.title}",
        assignment,
    )


def reminder_email(assignment: ReviewAssignment) -> EmailMessage:
    return _message(
        "funds/emails/reminder.txt",
        f"Reminder: your review of {assignment.proposal.title}",
        assignment,
    )
