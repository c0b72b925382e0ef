"""The demo's surveys, for seed_demo: a closed spring campaign with results, and an open autumn one the
`member` login can answer. Written through surveys.services, as respondents would (consent, answers,
submit), so the ties they report go through the real rules."""

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from networks.models import Member, Network, Relationship
from surveys import services
from surveys.models import Campaign, Question
from surveys.services import Answers, NamedContact

CONSENT = (
    "I agree that my answers are stored and used by the network's coordinators to map who works with "
    "whom. Others in the network see only figures for the whole network, never my ratings. I can "
    "withdraw my answers at any time while the survey is open."
)


def seed(*, network: Network, users: dict, rng: random.Random) -> list[Campaign]:
    """Two campaigns: spring (closed, ~70 % answered) and autumn (open, a few answers in)."""
    coordinator = users["coordinator"]
    people = list(Member.objects.active().people().filter(network=network).order_by("pk"))
    member_person = Member.objects.filter(network=network, user=users.get("member")).first()
    now = timezone.now()
    spring = services.campaign_create(
        user=coordinator,
        network=network,
        title="Spring network survey",
        intro="Who do you work with, learn from and get energy from? Ten minutes, once a year.",
        consent_text=CONSENT,
        opens_at=now - dt.timedelta(days=200),
        closes_at=now + dt.timedelta(days=1),
        visibility=Campaign.Visibility.AGGREGATES,
    )
    services.campaign_set_status(user=coordinator, campaign=spring, status=Campaign.Status.OPEN)
    invited = services.invitations_create(user=coordinator, campaign=spring, members=people)
    for invitation in invited:
        if invitation.member != member_person and rng.random() < 0.7:
            _answer(invitation, rng)
    Campaign.objects.filter(pk=spring.pk).update(closes_at=now - dt.timedelta(days=170))
    spring.refresh_from_db()
    services.campaign_set_status(user=coordinator, campaign=spring, status=Campaign.Status.CLOSED)

    autumn = services.campaign_create(
        user=coordinator,
        network=network,
        title="Autumn network survey",
        intro="Six months on: who do you work with now?",
        consent_text=CONSENT,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=25),
        visibility=Campaign.Visibility.AGGREGATES,
    )
    services.campaign_set_status(user=coordinator, campaign=autumn, status=Campaign.Status.OPEN)
    invited = services.invitations_create(user=coordinator, campaign=autumn, members=people)
    for invitation in invited[:8]:
        if invitation.member != member_person:
            _answer(invitation, rng)
    return [spring, autumn]


def _answer(invitation, rng: random.Random) -> None:
    """Name mostly people one is already tied to (and now and then someone new), with ratings."""
    me = invitation.member
    known = [
        tie.other(me)
        for tie in Relationship.objects.active()
        .filter(Q(source=me) | Q(target=me))
        .select_related("source", "target")
        if tie.other(me).kind == Member.Kind.PERSON and tie.other(me).archived_at is None
    ]
    if not known:
        return
    services.response_consent(invitation=invitation)
    answers = Answers()
    for question in invitation.campaign.questions.all():
        share = {Question.Standard.WORK: 0.8, Question.Standard.ADVICE: 0.4}.get(question.standard, 0.2)
        named = {m.pk: m for m in known if rng.random() < share}
        answers.named[question.pk] = [
            NamedContact(
                member_id=pk,
                pending_id=None,
                frequency=rng.choice(["weekly", "monthly", "monthly", "quarterly"]),
                strength=rng.randint(2, 5),
                ratings={
                    name: rng.choice([2, 3, 3, 4, 4])
                    for name in (
                        "trust_reliability",
                        "trust_mission",
                        "trust_openness",
                        "value_power",
                        "value_involvement",
                        "value_resources",
                    )
                },
            )
            for pk in named
        ]
    answers.health = {
        area: rng.choice([2, 3, 3, 4, 4, 5])
        for area in ("purpose", "structure", "mass", "intelligence", "community")
    }
    services.response_save(invitation=invitation, answers=answers, submit=True)
