"""The demo's learning cluster, for seed_demo: three sessions held, a peer assist, lessons, one to come.

Written through clusters.services, as the coordinator (who starts it) and the facilitator (who runs it)
would, so attendance weaves learning ties by the real rule. Sessions are placed relative to now, so
three have always been held and one is always coming up.
"""

import datetime as dt
import random

from django.utils import timezone

from clusters import services
from clusters.models import ClusterSession, FollowUp, LearningCluster
from networks.models import Member, Network

NAME = "Family food access cluster"
DESCRIPTION = (
    "Food banks, pantries, clinics, growers and the housing co-op from all three valleys, learning "
    "together how families get enough good food between paydays: what brings them back, what keeps "
    "them away, and what the clinics can do about it. We meet monthly, in each other's buildings when "
    "we can."
)
STRATEGY_TAGS = ["food-access"]
FRIDGE = "Southbank Community Fridge"
HILLSIDE, MARKET, UVHC = "Hillside Food Bank", "Upper Valley Farmers' Market", "Upper Valley Health Centre"
PANTRY, LVFC = "St. Brigid's Community Pantry", "Lower Valley Family Clinic"
HOUSING, CHW = "Riverside Housing Cooperative", "Riverside Community Health Workers Collective"

# (participant: an organisation of the network or a local project, its people: (organisation, index))
PARTICIPANTS = [
    (HILLSIDE, [(HILLSIDE, 3), (HILLSIDE, 4)]),
    (MARKET, [(MARKET, 0)]),
    (UVHC, [(UVHC, 4)]),
    (PANTRY, [(PANTRY, 0), (PANTRY, 1)]),
    (LVFC, [(LVFC, 2)]),
    (HOUSING, [(HOUSING, 0)]),
    (CHW, [(CHW, 0)]),
    (FRIDGE, [(HOUSING, 3)]),
]
PRESENTER = PANTRY

# (days from today, title, mode, where, agenda, notes, who missed it: indexes into the cluster's people)
SESSIONS = [
    (
        -63,
        "Getting to know each other",
        ClusterSession.Mode.IN_PERSON,
        "Hillside Food Bank warehouse, 12 Mill Lane, Ashford",
        "1. Introductions: one thing working, one thing stuck\n"
        "2. Walk round the warehouse and the mobile pantry\n"
        "3. Choose the questions we want to work on this year",
        "Eight organisations and projects. The questions we chose: why families don't come back after a "
        "first visit; how clinics and pantries can refer to each other; how to reach families who work "
        "shifts.",
        {3},
    ),
    (
        -35,
        "Peer assist: the second visit",
        ClusterSession.Mode.VIRTUAL,
        "https://meet.example.org/family-food-access",
        "St. Brigid's Community Pantry presents a challenge: families come once and don't come back. "
        "Questions first, then advice, then the actions we agree.",
        "A lively hour. St. Brigid's will trial calling every first-time household within a week.",
        {1, 6},
    ),
    (
        -7,
        "Produce prescriptions: what the clinics see",
        ClusterSession.Mode.IN_PERSON,
        "Lower Valley Family Clinic, community room, 4 Station Road, Kelso",
        "1. The health centre's produce prescriptions, three months in\n"
        "2. What the clinic's dietitian hears from families\n"
        "3. Referrals between clinics and pantries: a shared form?",
        "Vouchers for another day and another place mostly go unused; vegetables handed over at the "
        "appointment do not. We will draft a one-page referral form for the next session.",
        {7, 9},
    ),
]
UPCOMING = (
    21,
    "School holidays: when school meals stop",
    ClusterSession.Mode.VIRTUAL,
    "https://meet.example.org/family-food-access",
    "1. What families lose when school meals stop\n"
    "2. Summer pop-up pantries: who can host?\n"
    "3. The referral form, second draft",
)

CHALLENGE = (
    "Families come to our Thursday pantry once and don't come back. Of 140 households who came for the "
    "first time last quarter, 38 came a second time. We don't know whether that is because they no "
    "longer need us, or because something about the first visit put them off. How do we make a second "
    "visit easy and welcome?"
)
# (text, who: index into the cluster's people)
QUESTIONS = [
    ("Have you asked the families who didn't come back, not just the ones who did?", 8),
    ("What happens at a first visit, step by step, from the door to leaving?", 3),
    ("Can families who both work make it on a Thursday afternoon?", 2),
]
ADVICE = [
    ("Give every first-time family a named person and a reason to come back, such as a text about next "
     "week's fresh delivery.", 0),
    ("Our community health workers phone new households within a week: half of the 'no-shows' were "
     "about transport, not stigma.", 8),
    ("Try a Saturday slot once a month next to something families already do; the market can share its "
     "stall space.", 2),
    ("Let people choose their own items instead of a packed bag: choice pantries see more return "
     "visits.", 7),
]  # fmt: skip
# (action, owner: index into the cluster's people, due in days from today, final status)
FOLLOW_UPS = [
    ("Call or text every first-time household within a week, for a month.", 4, -21, FollowUp.Status.DONE),
    ("Ask the farmers' market about a monthly Saturday pop-up pantry.", 5, 10, FollowUp.Status.OPEN),
    ("Survey families at the pantry door about the first visit.", 4, -14, FollowUp.Status.DROPPED),
]
# (text, tags, from the peer assist)
LESSONS = [
    ("A second visit is won at the first one: families who leave with a named contact and a date come "
     "back far more often than those who leave with a leaflet.", ["food-access"], True),
    ("Ask the families who stopped coming, not only those in the room: transport and opening hours came "
     "up long before stigma did.", ["food-access", "community-health-workers"], True),
    ("Produce prescriptions work when the vegetables are where the appointment is; a voucher for another "
     "day and another place mostly goes unused.", ["food-access", "clinic"], False),
    ("Meeting in each other's buildings did more than any agenda item: two partnerships started on the "
     "walk round the food bank warehouse.", ["food-access"], False),
]  # fmt: skip


def seed(*, network: Network, users: dict, rng: random.Random) -> LearningCluster:
    """Add the cluster with its participants and people, past sessions with attendance, a peer assist
    with questions, advice and follow-ups, lessons, and an upcoming session."""
    coordinator, facilitator = users["coordinator"], users["facilitator"]
    orgs = {m.name: m for m in network.members.active().organisations()}
    staff: dict[str, list[Member]] = {}

    def person(org: str, index: int) -> Member:
        if org not in staff:
            staff[org] = list(
                network.members.active().people().filter(organisations__name=org).order_by("pk")
            )
        return staff[org][index]

    today = timezone.localdate()
    cluster, _ = services.cluster_create(
        user=coordinator,
        network=network,
        name=NAME,
        description=DESCRIPTION,
        strategy_tags=STRATEGY_TAGS,
        facilitators=[facilitator],
        starts_on=today + dt.timedelta(days=SESSIONS[0][0] - 7),
        ends_on=today + dt.timedelta(days=300),
        status=LearningCluster.Status.ACTIVE,
        organisations=[orgs[name] for name, _ in PARTICIPANTS if name in orgs],
        projects=[(name, "Riverside") for name, _ in PARTICIPANTS if name not in orgs],
    )
    participants = {p.name: p for p in cluster.participants.select_related("organisation")}
    people: list[Member] = []
    for name, members in PARTICIPANTS:
        for who in members:
            people.append(person(*who))
            services.cluster_person_add(
                user=facilitator, cluster=cluster, person=people[-1], participant=participants[name]
            )

    held = []
    for days, title, mode, where, agenda, notes, missed in SESSIONS:
        session = services.session_create(
            user=facilitator, cluster=cluster, starts_at=_at(days), title=title, mode=mode, agenda=agenda,
            notes=notes, **_where(mode, where),
        )  # fmt: skip
        services.attendance_record(
            user=facilitator,
            session=session,
            attended=[p for i, p in enumerate(people) if i not in missed],
            absent=[p for i, p in enumerate(people) if i in missed],
        )
        held.append(session)
    days, title, mode, where, agenda = UPCOMING
    services.session_create(
        user=facilitator, cluster=cluster, starts_at=_at(days), title=title, mode=mode, agenda=agenda,
        **_where(mode, where),
    )  # fmt: skip

    presenter = participants[PRESENTER]
    peer_assist, _ = services.peer_assist_create(
        user=facilitator,
        session=held[1],
        presenter=presenter,
        challenge=CHALLENGE,
        assisting=[p for i, p in enumerate(people) if i not in SESSIONS[1][6] and i not in (4, 5)],
    )
    for text, who in QUESTIONS:
        services.question_add(user=facilitator, peer_assist=peer_assist, text=text, asked_by=people[who])
    for text, who in ADVICE:
        services.advice_add(user=facilitator, peer_assist=peer_assist, text=text, given_by=people[who])
    for action, who, due, status in FOLLOW_UPS:
        follow_up = services.followup_add(
            user=facilitator,
            peer_assist=peer_assist,
            action=action,
            owner=people[who],
            due_on=today + dt.timedelta(days=due),
        )
        if status != FollowUp.Status.OPEN:
            services.followup_set_status(user=facilitator, follow_up=follow_up, status=status)
    for text, tags, from_assist in LESSONS:
        services.lesson_add(
            user=facilitator,
            cluster=cluster,
            text=text,
            tags=tags,
            peer_assist=peer_assist if from_assist else None,
        )
    return cluster


def _at(days: int) -> dt.datetime:
    """10:00 local time, `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _where(mode: str, where: str) -> dict:
    return {"link": where} if mode == ClusterSession.Mode.VIRTUAL else {"location": where}
