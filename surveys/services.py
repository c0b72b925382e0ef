"""Writes for survey campaigns. The ties answers imply go through networks.services, never saved here.

Respondents answer through their personal link without an account: services that act for them take
the invitation (already checked by selectors.invitation_for_link) instead of a user.
"""

import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from networks import services as network_services
from networks.models import Member, Network
from surveys.models import (
    HEALTH_AREAS,
    AuditEntry,
    Campaign,
    Invitation,
    Nomination,
    PendingMember,
    Question,
    Response,
)
from weaver.lib.enqueue import enqueue_on_commit
from weaver.lib.urls import absolute_url

log = logging.getLogger(__name__)


@dataclass
class NamedContact:
    member_id: int | None
    pending_id: int | None
    frequency: str
    strength: int
    ratings: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Answers:
    """Checked answers: per question id the people named, and the health self-assessment."""

    named: dict[int, list[NamedContact]] = field(default_factory=dict)
    health: dict[str, int | None] = field(default_factory=dict)
    health_comments: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def campaign_create(
    *,
    user,
    network: Network,
    title: str,
    consent_text: str,
    closes_at,
    opens_at=None,
    intro: str = "",
    visibility: str = Campaign.Visibility.COORDINATORS,
    standard_questions=("work", "advice", "energy"),
    custom_questions=(),
    ask_trust_value: bool = True,
    ask_health: bool = True,
    remind_days_before: int | None = 3,
) -> Campaign:
    """Create a draft campaign with its name generators (standard ones and custom (text, tie type) pairs)."""
    campaign = Campaign(
        network=network,
        title=title.strip(),
        intro=intro,
        consent_text=consent_text,
        opens_at=opens_at or timezone.now(),
        closes_at=closes_at,
        visibility=visibility,
        ask_trust_value=ask_trust_value,
        ask_health=ask_health,
        remind_days_before=remind_days_before,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    campaign.full_clean(exclude=["network"])
    if campaign.closes_at <= campaign.opens_at:
        raise ValidationError({"closes_at": "A campaign must close after it opens."})
    questions = [
        (Question.Standard(code), Question.Standard(code).label, Question.STANDARD_KINDS[code])
        for code in standard_questions
    ]
    questions += [
        (Question.Standard.CUSTOM, text.strip(), kind.strip().lower()) for text, kind in custom_questions
    ]
    if not questions:
        raise ValidationError({"standard_questions": "Ask at least one question."})
    kinds = [kind for _, _, kind in questions]
    if len(set(kinds)) != len(kinds) or not all(kinds):
        raise ValidationError({"custom_questions": "Each question needs its own tie type."})
    campaign.save()
    Question.objects.bulk_create(
        Question(campaign=campaign, standard=code, text=text, tie_kind=kind, position=n)
        for n, (code, text, kind) in enumerate(questions)
    )
    return campaign


def campaign_set_status(*, user, campaign: Campaign, status: str) -> Campaign:
    """Open or close a campaign (draft -> open -> closed; closed may reopen while before its close date)."""
    allowed = {
        Campaign.Status.DRAFT: {Campaign.Status.OPEN},
        Campaign.Status.OPEN: {Campaign.Status.CLOSED},
        Campaign.Status.CLOSED: {Campaign.Status.OPEN},
    }
    if status not in allowed[campaign.status]:
        raise ValidationError({"status": f"A {campaign.status} campaign cannot become {status}."})
    if status == Campaign.Status.OPEN and campaign.closes_at <= timezone.now():
        raise ValidationError({"status": "Its close date has passed: move it later first."})
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


@transaction.atomic
def invitations_create(*, user, campaign: Campaign, members) -> list[Invitation]:
    """Invite these people (active, of the campaign's network); those already invited are left as they are."""
    already = set(campaign.invitations.values_list("member_id", flat=True))
    created = []
    for member in members:
        if member.network_id != campaign.network_id or member.archived_at or member.is_organisation:
            raise ValidationError({"members": f"{member} cannot be invited to this campaign."})
        if member.pk in already:
            continue
        invitation = Invitation.objects.create(
            campaign=campaign, member=member, token_hash=secrets.token_hex(32)
        )
        invitation.issue_token()
        invitation.save(update_fields=["nonce", "token_hash"])
        already.add(member.pk)
        created.append(invitation)
    return created


def invitations_send(*, user, campaign: Campaign, invitations=None, reminder: bool = False) -> int:
    """Queue the e-mails (invitations, or reminders to those who have not submitted); returns how many."""
    from surveys.tasks import send_invitation_emails

    if invitations is None:
        qs = campaign.invitations.filter(revoked_at__isnull=True)
        qs = qs.exclude(response__submitted_at__isnull=False) if reminder else qs.filter(sent_at__isnull=True)
        invitations = list(qs)
    ids = [i.pk for i in invitations if i.revoked_at is None and i.campaign_id == campaign.pk]
    if ids:
        enqueue_on_commit(send_invitation_emails, ids, reminder)
    return len(ids)


def invitation_deliver(*, invitation_id: int, reminder: bool = False) -> bool:
    """E-mail one invitation (or reminder) and record when, or why it failed; True when sent."""
    invitation = (
        Invitation.objects.select_related("campaign__network", "member").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.revoked_at or not invitation.campaign.is_answerable():
        return False
    if not reminder and invitation.sent_at:
        return False
    if not invitation.member.email:
        Invitation.objects.filter(pk=invitation.pk).update(send_error="This person has no e-mail address.")
        return False
    campaign = invitation.campaign
    body = render_to_string(
        "surveys/emails/invitation.txt",
        {
            "invitation": invitation,
            "campaign": campaign,
            "reminder": reminder,
            "link": _answer_link(invitation),
        },
    )
    subject = f"{'Reminder: ' if reminder else ''}{campaign.title} ({campaign.network.name})"
    try:
        EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.member.email]
        ).send()
    except Exception as exc:  # any failure of the mail backend is shown to the coordinator
        log.warning("survey invitation %s not sent: %s", invitation.pk, exc)
        Invitation.objects.filter(pk=invitation.pk).update(send_error=str(exc)[:500] or type(exc).__name__)
        return False
    now = timezone.now()
    update = {"reminded_at": now} if reminder else {"sent_at": now}
    Invitation.objects.filter(pk=invitation.pk).update(send_error="", **update)
    return True


def _answer_link(invitation: Invitation) -> str:
    return absolute_url("surveys:answer", campaign_pk=invitation.campaign_id, token=invitation.token)


def invitation_revoke(*, user, invitation: Invitation) -> Invitation:
    """Stop an invitation's link working (its answers stay unless the person withdraws)."""
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def response_consent(*, invitation: Invitation) -> Response:
    """Record consent (and its time): the first thing stored for a respondent. Idempotent."""
    response, _ = Response.objects.get_or_create(
        invitation=invitation, defaults={"consent_at": timezone.now()}
    )
    return response


def _check_answers(*, response: Response, answers: Answers) -> None:
    campaign = response.invitation.campaign
    me = response.invitation.member_id
    cap = settings.WEAVER_SURVEY_MAX_CONTACTS
    questions = {q.pk: q for q in campaign.questions.all()}
    member_ids = {c.member_id for named in answers.named.values() for c in named if c.member_id}
    valid_members = set(
        Member.objects.active()
        .filter(network=campaign.network, pk__in=member_ids)
        .values_list("pk", flat=True)
    )
    pending_ids = set(response.pending_members.values_list("pk", flat=True))
    errors: list[str] = []
    for question_id, named in answers.named.items():
        if question_id not in questions:
            raise ValidationError("An answer is for a question this campaign does not ask.")
        if len(named) > cap:
            errors.append(f"Name at most {cap} people per question ({len(named)} were named).")
        targets = [(c.member_id, c.pending_id) for c in named]
        if len(set(targets)) != len(targets):
            errors.append("The same person is named twice for one question.")
        for contact in named:
            if contact.member_id == me:
                errors.append("You cannot name yourself.")
            elif contact.member_id and contact.member_id not in valid_members:
                errors.append("Someone named is not a member of this network.")
            elif contact.pending_id and contact.pending_id not in pending_ids:
                errors.append("Someone named is not one of the people you added.")
            if contact.frequency not in Nomination.Frequency.values:
                errors.append("Choose how often from the list.")
            if not 1 <= contact.strength <= 5:
                errors.append("Strength must be from 1 to 5.")
            if any(v is not None and not 1 <= v <= 4 for v in contact.ratings.values()):
                errors.append("Trust and value ratings must be from 1 to 4.")
    for area, score in answers.health.items():
        if area not in dict(HEALTH_AREAS) or (score is not None and not 1 <= score <= 5):
            errors.append("Health ratings must be from 1 to 5.")
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))


@transaction.atomic
def response_save(*, invitation: Invitation, answers: Answers, submit: bool = False) -> Response:
    """Replace a respondent's answers (save as you go); submit once; a submitted one feeds the network.

    Two tabs or a double submit meet on the same row (locked), so there is only ever one response.
    """
    response = (
        Response.objects.select_for_update()
        .select_related("invitation__campaign__network")
        .get(invitation=invitation)
    )
    _check_answers(response=response, answers=answers)
    response.nominations.all().delete()
    Nomination.objects.bulk_create(
        Nomination(
            response=response,
            question_id=question_id,
            member_id=c.member_id,
            pending_id=c.pending_id,
            frequency=c.frequency,
            strength=c.strength,
            **c.ratings,
        )
        for question_id, named in answers.named.items()
        for c in named
    )
    for area, _ in HEALTH_AREAS:
        setattr(response, f"health_{area}", answers.health.get(area))
    response.health_comments = {k: v[:2000] for k, v in answers.health_comments.items() if v}
    if submit and response.submitted_at is None:
        response.submitted_at = timezone.now()
    response.save()
    if response.submitted_at:
        _sync_ties(response)
    return response


def _sync_ties(response: Response) -> None:
    """Make the network's reported ties match this response's named members, question by question."""
    invitation = response.invitation
    campaign = invitation.campaign
    named: dict[int, dict[int, int]] = {q.pk: {} for q in campaign.questions.all()}
    for question_id, member_id, strength in response.nominations.filter(member__isnull=False).values_list(
        "question_id", "member_id", "strength"
    ):
        named[question_id][member_id] = strength
    for question in campaign.questions.all():
        network_services.relationship_reports_set(
            user=invitation.member.user,
            network=campaign.network,
            key=campaign.key,
            detail=f"Survey: {campaign.title}",
            reporter=invitation.member,
            kind=question.tie_kind,
            named=named[question.pk],
        )


def pending_add(
    *, invitation: Invitation, name: str, email: str = "", organisation: str = ""
) -> PendingMember:
    """Someone not on the list, typed in by a respondent: waits for a coordinator."""
    response = Response.objects.get(invitation=invitation)
    pending = PendingMember(
        campaign=invitation.campaign,
        proposed_by=response,
        name=name.strip(),
        email=email.strip(),
        organisation=organisation.strip(),
    )
    pending.full_clean(exclude=["campaign", "proposed_by", "member"])
    if response.pending_members.count() >= settings.WEAVER_SURVEY_MAX_CONTACTS:
        raise ValidationError("You have added as many new people as one answer may.")
    pending.save()
    return pending


@transaction.atomic
def pending_decide(
    *, user, pending: PendingMember, action: str, member: Member | None = None
) -> PendingMember:
    """Approve (a new member), merge into an existing member, or reject someone a respondent added."""
    if pending.status != PendingMember.Status.PENDING:
        raise ValidationError("This person has already been decided on.")
    network = pending.campaign.network
    if action == "approve":
        member = network_services.member_create(
            user=user, network=network, name=pending.name, email=pending.email
        )
        pending.status = PendingMember.Status.APPROVED
    elif action == "merge":
        if member is None or member.network_id != network.pk:
            raise ValidationError({"member": "Choose a member of this network to merge into."})
        pending.status = PendingMember.Status.MERGED
    elif action == "reject":
        member = None
        pending.status = PendingMember.Status.REJECTED
    else:
        raise ValidationError({"action": "Choose approve, merge or reject."})
    pending.member = member
    pending.decided_by = user
    pending.decided_at = timezone.now()
    pending.save()
    responses = set()
    for nomination in pending.nominations.select_related("response"):
        responses.add(nomination.response)
        duplicate = (
            member is not None
            and Nomination.objects.filter(
                response=nomination.response, question=nomination.question, member=member
            ).exists()
        )
        if member is None or duplicate or member.pk == nomination.response.invitation.member_id:
            nomination.delete()
        else:
            nomination.member, nomination.pending = member, None
            nomination.save(update_fields=["member", "pending"])
    for response in responses:
        if response.submitted_at:
            _sync_ties(response)
    AuditEntry.objects.create(
        campaign=pending.campaign, action=AuditEntry.Action.PENDING_DECIDED, counts={action: 1}
    )
    return pending


@transaction.atomic
def response_withdraw(*, invitation: Invitation) -> dict:
    """Remove a respondent's answers and the ties that exist only because of them; one audit entry."""
    response = Response.objects.select_for_update().filter(invitation=invitation).first()
    if response is None:
        return {"ties_removed": 0, "nominations_removed": 0}
    campaign = invitation.campaign
    removed = network_services.relationship_reports_withdraw(
        user=None, network=campaign.network, key=campaign.key, reporter=invitation.member
    )
    counts = {"ties_removed": removed, "nominations_removed": response.nominations.count()}
    # Their nominations of people they added go too; pending people named only by them with them.
    response.delete()
    AuditEntry.objects.create(campaign=campaign, action=AuditEntry.Action.WITHDRAWAL, counts=counts)
    return counts


def campaigns_remind_due(*, now=None) -> list[int]:
    """Queue the automatic reminder of each open campaign now within its days before closing (once)."""
    now = now or timezone.now()
    due = []
    campaigns = Campaign.objects.filter(
        status=Campaign.Status.OPEN,
        reminded_at__isnull=True,
        remind_days_before__isnull=False,
        closes_at__gt=now,
    )
    for campaign in campaigns:
        if now < campaign.closes_at - timezone.timedelta(days=campaign.remind_days_before):
            continue
        with transaction.atomic():
            # A guarded update: two beat runs at once remind once.
            if not Campaign.objects.filter(pk=campaign.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            invitations_send(user=None, campaign=campaign, reminder=True)
        due.append(campaign.pk)
    return due
