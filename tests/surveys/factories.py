import datetime

from django.utils import timezone

from surveys import services
from surveys.models import Campaign


def open_campaign(*, network, user=None, **kwargs) -> Campaign:
    """A campaign through the service (with the three standard questions), opened now for three weeks."""
    now = timezone.now()
    defaults = {
        "title": "Who works with whom, spring",
        "consent_text": "I agree that my answers are stored.",
        "opens_at": now - datetime.timedelta(hours=1),
        "closes_at": now + datetime.timedelta(days=21),
    }
    campaign = services.campaign_create(user=user, network=network, **{**defaults, **kwargs})
    return services.campaign_set_status(user=user, campaign=campaign, status=Campaign.Status.OPEN)


def answers_naming(campaign: Campaign, named: dict, *, health=None, **ratings):
    """Answers naming members per standard question code, e.g. {"work": [ben, chen]}; same ratings for all."""
    from surveys.services import Answers, NamedContact

    questions = {q.standard: q for q in campaign.questions.all()}
    return Answers(
        named={
            questions[code].pk: [
                NamedContact(
                    member_id=m.pk,
                    pending_id=None,
                    frequency="monthly",
                    strength=ratings.get("strength", 3),
                    ratings={k: v for k, v in ratings.items() if k != "strength"},
                )
                for m in members
            ]
            for code, members in named.items()
        },
        health=health or {},
    )
