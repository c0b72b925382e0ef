"""Reads for surveys: links checked to their invitation, the roster search, progress and results."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from networks.models import Member
from surveys import figures
from surveys.models import (
    HEALTH_AREAS,
    TRUST_FIELDS,
    VALUE_FIELDS,
    Campaign,
    Invitation,
    Nomination,
    Question,
    token_hash,
)


class LinkError(Exception):
    """A personal link that cannot be used, with the sentence to show its holder."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.message = message
        self.status = status


def invitation_for_link(*, campaign_pk: int, token: str) -> Invitation:
    """The invitation behind a personal link, if the link may be used now; else LinkError saying why."""
    if not token or len(token) > 100:
        raise LinkError("This survey link is not valid. Check that you copied all of it from the e-mail.")
    invitation = (
        Invitation.objects.select_related("campaign__network", "member")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise LinkError("This survey link is not valid. Check that you copied all of it from the e-mail.")
    if invitation.campaign_id != campaign_pk:
        raise LinkError("This link belongs to another survey. Use the link from the e-mail about this one.")
    if invitation.revoked_at:
        raise LinkError("This survey link has been withdrawn by the network's coordinators.", status=410)
    campaign = invitation.campaign
    now = timezone.now()
    if campaign.status == Campaign.Status.CLOSED or now >= campaign.closes_at:
        raise LinkError("This survey has closed: answers can no longer be given or changed.", status=410)
    if campaign.status == Campaign.Status.DRAFT or now < campaign.opens_at:
        raise LinkError("This survey is not open yet.", status=403)
    return invitation


def roster_search(*, invitation: Invitation, q: str, limit: int = 10) -> list[dict]:
    """People of the invitation's network matching `q` by name, then by organisation (not the respondent)."""
    q = q.strip()
    if len(q) < 2 or "\x00" in q:
        return []
    people = Member.objects.active().people().filter(network_id=invitation.campaign.network_id)
    people = people.exclude(pk=invitation.member_id).order_by("name", "pk")
    # Names first, on their own: the join through organisations (and its DISTINCT) only when they run short.
    found = list(people.filter(name__icontains=q)[:limit])
    if len(found) < limit:
        found += list(
            people.filter(organisations__name__icontains=q)
            .exclude(pk__in=[m.pk for m in found])
            .distinct()[: limit - len(found)]
        )
    organisations: dict[int, list[str]] = {}
    through = Member.organisations.through.objects.filter(from_member_id__in=[m.pk for m in found])
    for member_id, name in through.values_list("from_member_id", "to_member__name").order_by(
        "to_member__name"
    ):
        organisations.setdefault(member_id, []).append(name)
    return [
        {"id": f"m{m.pk}", "name": m.name, "organisation": ", ".join(organisations.get(m.pk, []))}
        for m in found
    ]


@dataclass
class Progress:
    invited: int
    consented: int
    submitted: int
    failed: int

    @property
    def rate(self) -> float | None:
        return figures.response_rate(invited=self.invited, responded=self.submitted)

    @property
    def percent(self) -> int:
        return round(100 * (self.rate or 0))

    @property
    def not_answered(self) -> int:
        return self.invited - self.submitted


def campaign_progress(*, campaign: Campaign) -> Progress:
    """How many were invited (links not revoked), consented, submitted, and e-mails that failed."""
    counts = campaign.invitations.filter(revoked_at__isnull=True).aggregate(
        invited=Count("pk"),
        consented=Count("response"),
        submitted=Count("response", filter=Q(response__submitted_at__isnull=False)),
        failed=Count("pk", filter=~Q(send_error="")),
    )
    return Progress(**counts)


def campaign_results(*, campaign: Campaign, with_members: bool, reader=None) -> dict:
    """The campaign's figures from submitted responses; per-member rows only when `with_members`, and
    never the reader's own row (the person rated never sees their ratings)."""
    submitted = Nomination.objects.filter(
        response__invitation__campaign=campaign,
        response__submitted_at__isnull=False,
        member__isnull=False,
    )
    rows = list(
        submitted.values_list(
            "response__invitation__member_id", "member_id", "question__standard", *TRUST_FIELDS, *VALUE_FIELDS
        )
    )
    names = TRUST_FIELDS + VALUE_FIELDS
    ratings = [(rater, rated, dict(zip(names, scores, strict=True))) for rater, rated, _, *scores in rows]
    per_member = figures.trust_value_received(ratings)
    energy = figures.energiser_nominations(
        (r, m) for r, m, std, *_ in rows if std == Question.Standard.ENERGY
    )
    progress = campaign_progress(campaign=campaign)
    health = list(
        campaign.invitations.filter(response__submitted_at__isnull=False).values(
            *[f"response__health_{area}" for area, _ in HEALTH_AREAS]
        )
    )
    health_rows = [{area: row[f"response__health_{area}"] for area, _ in HEALTH_AREAS} for row in health]
    result = {
        "invited": progress.invited,
        "responded": progress.submitted,
        "response_rate": progress.rate,
        "reciprocity": figures.reciprocity((r, m) for r, m, *_ in rows),
        **{f"average_{k}": v for k, v in figures.network_trust_value(per_member).items()},
        "health": figures.health_summary(health_rows, [area for area, _ in HEALTH_AREAS]),
    }
    if with_members:
        rated = Member.objects.filter(pk__in=set(per_member) | set(energy))
        if reader is not None and reader.is_authenticated:
            rated = rated.exclude(user=reader)
        names_by_pk = dict(rated.values_list("pk", "name"))
        result["members"] = [
            {
                "member": pk,
                "name": names_by_pk.get(pk, ""),
                "energiser_nominations": energy.get(pk, 0),
                **per_member.get(pk, {"trust": None, "value": None, "raters": 0}),
            }
            for pk in sorted(names_by_pk, key=lambda pk: names_by_pk[pk])
        ]
    return result


def nominations_for_reader(*, campaign: Campaign, user):
    """A campaign's nominations as a coordinator may read them: with the rater's name, but never the
    ratings given to the reader themselves (the person rated never sees them)."""
    nominations = Nomination.objects.filter(response__invitation__campaign=campaign)
    if user.is_authenticated:
        nominations = nominations.exclude(member__user=user)
    return nominations


def invitations_not_answered(*, campaign: Campaign):
    return (
        campaign.invitations.filter(revoked_at__isnull=True)
        .exclude(response__submitted_at__isnull=False)
        .select_related("member")
    )


def answers_of(*, invitation: Invitation) -> dict:
    """A respondent's saved answers, shaped for the answer page (to resume)."""
    response = getattr(invitation, "response", None)
    if response is None:
        return {}
    named: dict[int, list] = {}
    for n in response.nominations.select_related("member", "pending").order_by("pk"):
        named.setdefault(n.question_id, []).append(n)
    return {"response": response, "named": named}


def open_invitations_of(*, network, user):
    """The invitations to open campaigns of `user`'s person in `network` (none for anonymous users)."""
    if not user.is_authenticated:
        return Invitation.objects.none()
    return Invitation.objects.filter(
        campaign__network=network,
        campaign__status=Campaign.Status.OPEN,
        campaign__opens_at__lte=timezone.now(),
        campaign__closes_at__gt=timezone.now(),
        member__user=user,
        revoked_at__isnull=True,
    ).select_related("campaign", "response")


def campaign_previous(*, campaign: Campaign) -> Campaign | None:
    """The network's campaign that opened last before this one (what "what changed" compares with)."""
    return (
        Campaign.objects.filter(network_id=campaign.network_id, opens_at__lt=campaign.opens_at)
        .exclude(status=Campaign.Status.DRAFT)
        .order_by("-opens_at", "-pk")
        .first()
    )


def campaign_comparison(*, campaign: Campaign, results: dict) -> dict | None:
    """The previous campaign and what moved since, or None when this is the first."""
    previous = campaign_previous(campaign=campaign)
    if previous is None:
        return None
    older = campaign_results(campaign=previous, with_members=False)
    return {"campaign": previous, "results": older, "changes": figures.changes(older, results)}
