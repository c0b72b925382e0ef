"""The demo's innovation fund, for seed_demo: one round decided and woven into the network, one in review.

Everything is written through funds.services, by the people who would do it (the coordinator, each
applicant, each volunteer reviewer), so the demo obeys the rules real rounds do. Dates are relative to
today; the services stamp submissions, reviews and awards with the moment of seeding.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.utils import timezone

from funds import emails, services
from funds.models import Fund, GranteeReport, Proposal, ReviewAssignment, Round
from networks.models import Member, Network, Role
from networks.services import role_grant

FUND_NAME = "Healthy Valleys Innovation Fund"
FUND_DESCRIPTION = (
    "Small grants for new projects that three or more organisations of the network take on together. "
    "Volunteers from the network read and score every proposal; the coordinators decide within the "
    "round's budget, and the grantees share what they learned at the end of the round."
)
RUBRIC = [
    {
        "name": "New collaboration",
        "weight": 3,
        "description": "5: partners who have not worked together before share the work. "
        "1: one organisation does it and the others lend their names.",
    },
    {
        "name": "Benefit to families",
        "weight": 2,
        "description": "5: a clear, believable change for the families who need it most. "
        "1: the benefit is vague or reaches few.",
    },
    {
        "name": "Doable in six months",
        "weight": 1,
        "description": "5: a realistic plan, budget and team for the spend window. "
        "1: far too much for the time and the money.",
    },
]

UVHC = "Upper Valley Health Centre"
UVUSD = "Upper Valley Unified School District"
HILLSIDE = "Hillside Food Bank"
MARKET = "Upper Valley Farmers' Market"
GRANGE = "Grange Hall Youth Club"
LVFC = "Lower Valley Family Clinic"
PEERS = "Lower Valley Peer Support Network"
PANTRY = "St. Brigid's Community Pantry"
LIBRARY = "Lower Valley Public Library"
CHW = "Riverside Community Health Workers Collective"
HOUSING = "Riverside Housing Cooperative"
PARENTS = "Riverside Parents United"


@dataclass
class Idea:
    title: str
    lead: tuple[str, int]  # (organisation, index among its people by id): the project's lead
    partners: list[str]  # organisations of the network; a name not in it is a newcomer
    amount: int
    summary: str
    merit: tuple[int, int, int]  # what an even-handed reviewer would score, per criterion
    comments: list[str]
    outcome: str = ""  # "award", a decline reason, or "" (left to the round's decision)


DECIDED = {
    "title": "Round 1: Food close to home",
    "focus": "New projects that bring fresh, affordable food closer to families: to the places they "
    "already go for care, school and play, and to the neighbourhoods furthest from a shop.",
    "budget": 30000,
    "grant_min": 1500,
    "grant_max": 8000,
    "reviews_per_proposal": 3,
    "max_per_reviewer": 3,
}
DECIDED_DAYS = {"opens_on": -120, "closes_on": -90, "review_deadline": -75, "sharing_session_on": 45}
DECIDED_REVIEWERS = [
    (UVUSD, 3, False),  # the `reviewer` demo login
    (UVHC, 3, False),
    (GRANGE, 1, False),
    (MARKET, 2, False),
    (LVFC, 1, False),
    (PEERS, 0, False),
    (LIBRARY, 1, False),
    (CHW, 1, False),
    (PARENTS, 0, False),
]
DECIDED_IDEAS = [
    Idea(
        "Produce prescriptions at the clinic door",
        (UVHC, 4),
        [UVHC, MARKET, HILLSIDE],
        7500,
        "Clinicians at the health centre write a 'produce prescription' for patients with prediabetes. "
        "Patients collect a weekly bag of vegetables from the farmers' market growers, brought to the "
        "clinic every Thursday by the food bank's mobile pantry, so the food is where the appointment "
        "is. Sixty families for six months; the diabetes educator records food security and A1c at the "
        "start and the end.",
        (4, 5, 4),
        [
            "Strong: three partners who have never shared a project, and a delivery plan that solves "
            "the usual problem of vouchers nobody redeems.",
            "Clear benefit for families. I'd like to see how patients are chosen so the places go to "
            "those who struggle most to buy vegetables.",
            "Good, realistic budget. The A1c measure is ambitious in six months; food security alone "
            "would be enough.",
        ],
        outcome="award",
    ),
    Idea(
        "Cooking together after school",
        (GRANGE, 0),
        [GRANGE, UVUSD, HILLSIDE, "Millbrook Community Kitchen"],
        5000,
        "A twelve-week after-school cooking club for 11 to 14 year olds at the Grange Hall, using food "
        "bank ingredients and the school district's nutrition lessons. The Millbrook Community Kitchen, "
        "new to the network, lends its kitchen and two volunteer cooks. Every session ends with a "
        "family meal the young people have cooked.",
        (5, 4, 4),
        [
            "Brings a new organisation into the network and gives young people something to do that "
            "their families see. Exactly what the fund is for.",
            "Lovely idea. Twelve weeks is short; say what happens to the club afterwards.",
            "The kitchen partnership makes this cheap to run. Please check food-safety cover for the "
            "under-16s.",
        ],
        outcome="award",
    ),
    Idea(
        "Pantry to pharmacy: diabetes-friendly food boxes",
        (PANTRY, 0),
        [PANTRY, LVFC, PEERS],
        6000,
        "The family clinic's dietitian designs a monthly diabetes-friendly food box; St. Brigid's packs "
        "it with the Thursday pantry, and peer supporters hand it over with a recipe card and a "
        "conversation about what worked last month. For 45 households with someone living with "
        "diabetes.",
        (4, 5, 4),
        [
            "The peer supporters make this more than a food parcel. Good evidence that the three have "
            "planned it together.",
            "Benefit is clear and well targeted. How will you keep the boxes affordable after the grant?",
            "Well planned and costed.",
        ],
        outcome="award",
    ),
    Idea(
        "Growing beds at the co-op",
        (HOUSING, 0),
        [HOUSING, PARENTS, CHW],
        3500,
        "Twenty raised beds in the housing co-op's courtyard, planted and tended by families from "
        "Riverside Parents United with the co-op's garden coordinators. Community health workers run "
        "four harvest-and-cook afternoons. Tools and seed are bought once and stay with the co-op.",
        (3, 4, 5),
        [
            "Small, doable and visible. The parents' group and the co-op already know each other, so "
            "less new collaboration than others.",
            "Good value. The harvest afternoons are the best part: more of those, please.",
            "Realistic and cheap; a safe first project for these partners.",
        ],
        outcome="award",
    ),
    Idea(
        "Market stops in Riverside and Kelso",
        (MARKET, 0),
        [MARKET, HOUSING, PANTRY],
        4500,
        "The Saturday market's growers take a small stall down the valley on alternate Wednesdays: to "
        "the housing co-op's courtyard in Riverside and to St. Brigid's in Kelso, where food-assistance "
        "dollars are doubled as they are at the market. The first link between upper-valley growers "
        "and lower-valley families.",
        (5, 4, 3),
        [
            "Connects the two ends of the valley for the first time. The most 'new collaboration' of "
            "any proposal I read.",
            "Families in Kelso have asked for this for years. The Wednesday timing may clash with "
            "school pick-up.",
            "The van and the growers' time are tight; a plan B for bad weather would help.",
        ],
        outcome="award",
    ),
    Idea(
        "Healthy vending at the library",
        (LIBRARY, 0),
        [LIBRARY, LVFC, PARENTS],
        8000,
        "Replace the library's snack machine with a healthy vending machine stocked with fruit, nuts "
        "and water, and add nutrition signage designed with the clinic. Riverside Parents United will "
        "survey families about what to stock.",
        (2, 2, 3),
        [
            "Most of the budget buys a machine; the partners mainly advise.",
            "I'm not sure who benefits: the families who most need food are not buying from vending "
            "machines.",
            "Doable, but not what this round is for.",
        ],
        outcome="Reviewers liked the aim but saw little new collaboration: the clinic and the parents' "
        "group would mainly advise, and most of the budget buys the machine. We would welcome a "
        "version in which families help choose and run it.",
    ),
    Idea(
        "Family meal kits by text message",
        (CHW, 0),
        [CHW, LIBRARY, HILLSIDE],
        6500,
        "Families sign up by text for a weekly meal plan: a recipe, a shopping list and where each item "
        "is cheapest this week. Community health workers help families who have never used a text "
        "service, the library's digital navigators run sign-up afternoons, and the food bank stocks "
        "the staples the plans rely on.",
        (4, 3, 3),
        [
            "A promising mix of partners. The text service needs more detail: who writes the plans "
            "every week?",
            "Good for families who work shifts. Cost per family is high for a pilot.",
            "Worth trying; maybe start smaller.",
        ],
    ),
]

IN_REVIEW = {
    "title": "Round 2: Moving more, together",
    "focus": "New projects that help families move more in ways that fit their days: getting to school, "
    "playing after it, and staying active while living with a long-term condition.",
    "budget": 24000,
    "grant_min": 1500,
    "grant_max": 6000,
    "reviews_per_proposal": 3,
    "max_per_reviewer": 3,
}
IN_REVIEW_DAYS = {"opens_on": -40, "closes_on": -5, "review_deadline": 10}
IN_REVIEW_DESIGN_GROUP = [(CHW, 4), (UVUSD, 0), (PEERS, 1)]
# (organisation, index, still writing: their last review is pending)
IN_REVIEW_REVIEWERS = [
    (UVUSD, 3, True),  # the `reviewer` demo login
    (HILLSIDE, 5, True),
    (MARKET, 2, False),
    (LVFC, 1, False),
    (LIBRARY, 1, False),
    (HOUSING, 1, True),
    (UVHC, 3, False),
]
IN_REVIEW_IDEAS = [
    Idea(
        "Walking school bus for Southbank",
        (PARENTS, 1),
        [PARENTS, HOUSING, CHW],
        4000,
        "Parent volunteers walk three routes from the housing co-op to Southbank Primary every "
        "morning, collecting children at marked stops. Community health workers train the volunteers "
        "in first aid and road safety; the co-op stores the high-visibility kit. We count walkers "
        "every week and ask families at the end what changed.",
        (4, 5, 5),
        [
            "Simple, cheap and daily: the kind of habit that lasts beyond the grant.",
            "The first-aid training makes volunteers more confident. Clear and well costed.",
        ],
    ),
    Idea(
        "Saturday family swim in Kelso",
        (LVFC, 3),
        [LVFC, PEERS, PANTRY],
        5500,
        "A free family swim at the Kelso pool on Saturday mornings for families the clinic and the "
        "pantry already know, with a peer supporter poolside to welcome first-timers and a quiet lane "
        "for pregnant women and new mothers. Pool hire and a lifeguard are most of the cost.",
        (3, 4, 3),
        [
            "Families will love it; the pool hire makes it expensive per swim.",
            "The welcome at the poolside is the new part. What happens in winter?",
        ],
    ),
    Idea(
        "Youth coaches for the Grange league",
        (GRANGE, 2),
        [GRANGE, UVUSD, UVHC],
        6000,
        "Train twelve 16 to 18 year olds as junior coaches for the Grange Hall's Saturday league, with "
        "the school district's PE teachers as mentors and the health centre teaching first aid and "
        "injury basics. The junior coaches then run a weekday session for younger children who do not "
        "join teams.",
        (4, 4, 3),
        [
            "Builds young leaders as well as activity. Twelve coaches may be optimistic.",
            "Good partners, but the school district and the youth club work together already.",
            "The weekday session for non-joiners is the best idea here.",
        ],
    ),
    Idea(
        "Chair yoga at the library",
        (LIBRARY, 2),
        [LIBRARY, PEERS, CHW],
        1800,
        "A weekly chair-yoga class in the library's community room for older adults and anyone living "
        "with a chronic condition, led by a qualified instructor, with peer supporters and community "
        "health workers bringing along people who would not come on their own.",
        (3, 4, 5),
        [
            "Small and doable; the peer supporters are what makes it reach people.",
            "Good value for money.",
        ],
    ),
    Idea(
        "Bike library for Pine Hollow",
        (GRANGE, 3),
        [GRANGE, MARKET, "Pine Hollow Cycle Works"],
        4500,
        "Pine Hollow Cycle Works, a volunteer repair shop new to the network, refurbishes thirty donated "
        "bikes. The youth club lends them to families for a month at a time with helmets and a "
        "Saturday riding lesson, and the farmers' market hosts a bike valet and a 'ride to market' "
        "morning each month.",
        (5, 3, 4),
        [
            "A newcomer with real skills, and a neat link to the market.",
            "Roads out of Pine Hollow are not safe for children; say where families will ride.",
        ],
    ),
]

MIDPOINT_REPORT = {
    "spent": 2850,
    "done": "Five monthly boxes packed and handed over to 41 of the 45 households. The dietitian "
    "changed the box after month two: fewer tins, more frozen vegetables, which keep and cost less.",
    "learned": "The conversation at the handover matters more than the box. Households who talked to a "
    "peer supporter came back for the next box; some who only collected did not.",
    "people_involved": 58,
}


def seed(*, network: Network, users: dict, rng: random.Random) -> Fund:
    """Add the fund with a decided round (awards woven into the network) and a round in review."""
    coordinator = users["coordinator"]
    people = _People(network)
    # The demo logins take part as themselves: the member leads a funded project, the reviewer reviews.
    logins = {users["reviewer"].pk: users["reviewer"], users["member"].pk: users["member"]}
    fund = services.fund_create(
        user=coordinator, network=network, name=FUND_NAME, description=FUND_DESCRIPTION
    )

    decided = _round(coordinator, fund, DECIDED, DECIDED_DAYS, DECIDED_IDEAS, people, logins)
    _review(coordinator, decided, DECIDED_REVIEWERS, DECIDED_IDEAS, people, logins, rng)
    for idea, proposal in zip(DECIDED_IDEAS, _proposals(decided), strict=True):
        if idea.outcome == "award":
            services.award_make(user=coordinator, proposal=proposal, amount=proposal.amount)
        elif idea.outcome:
            services.proposal_decline(user=coordinator, proposal=proposal, reason=idea.outcome)
    # Deciding weaves the funded partners, the newcomer among them, into the network.
    services.round_transition(user=coordinator, round=decided, status=Round.Status.DECIDED)
    reported = next(p for p in _proposals(decided) if p.submitted_by_id == users["member"].pk)
    services.grantee_report_submit(
        user=users["member"], award=reported.award, kind=GranteeReport.Kind.MIDPOINT, **MIDPOINT_REPORT
    )

    in_review = _round(
        coordinator, fund, IN_REVIEW, IN_REVIEW_DAYS, IN_REVIEW_IDEAS, people, logins,
        design_group=IN_REVIEW_DESIGN_GROUP,
    )  # fmt: skip
    _review(coordinator, in_review, IN_REVIEW_REVIEWERS, IN_REVIEW_IDEAS, people, logins, rng)
    return fund


class _People:
    """The network's people by organisation, in the order they were added (ids), looked up once each."""

    def __init__(self, network: Network):
        self.network = network
        self._by_org: dict[str, list[Member]] = {}

    def __call__(self, org: str, index: int) -> Member:
        if org not in self._by_org:
            self._by_org[org] = list(
                self.network.members.active().people().filter(organisations__name=org).order_by("pk")
            )
        return self._by_org[org][index]

    def organisation(self, name: str) -> Member | None:
        return self.network.members.active().organisations().filter(name=name).first()


def _account(person: Member, logins: dict):
    """The person's login: a demo login already linked to them, else one made without a password.

    Made with the person's e-mail, so granting it a role links it to the person (networks.services).
    """
    if person.user_id in logins:
        return logins[person.user_id]
    User = get_user_model()
    account = User.objects.filter(email__iexact=person.email).order_by("pk").first()
    if account is None:
        base = username = person.email.split("@")[0]
        n = 1
        while User.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}{n}"
        first, _, last = person.name.partition(" ")
        account = User.objects.create_user(
            username=username, email=person.email, first_name=first, last_name=last, password=None
        )
    role_grant(network=person.network, user=account, role=Role.MEMBER)
    return account


def _day(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def _proposals(rnd: Round) -> list[Proposal]:
    return list(rnd.proposals.order_by("pk").select_related("award"))


def _round(coordinator, fund, settings, days, ideas, people, logins, *, design_group=()) -> Round:
    """A round taken from draft to review, with the ideas submitted by their leads while it was open."""
    dates = {key: _day(offset) for key, offset in days.items()}
    closes_on = dates.pop("closes_on")
    # Proposals are submitted while the round is open today; its real closing date is set afterwards.
    rnd = services.round_create(
        user=coordinator, fund=fund, criteria=RUBRIC, closes_on=max(closes_on, _day(0)), **dates, **settings
    )
    if design_group:
        services.design_group_set(user=coordinator, round=rnd, members=[people(*who) for who in design_group])
    services.round_transition(user=coordinator, round=rnd, status=Round.Status.OPEN)
    for idea in ideas:
        lead = people(*idea.lead)
        applicant = _account(lead, logins)
        partners = [people.organisation(name) or name for name in idea.partners]
        proposal = services.proposal_save_draft(
            user=applicant,
            round=rnd,
            title=idea.title,
            summary=idea.summary,
            amount=idea.amount,
            lead=lead,
            is_new_project=True,
            partners=partners,
        )
        services.proposal_submit(user=applicant, proposal=proposal)
    services.round_update(user=coordinator, round=rnd, closes_on=closes_on)
    services.round_transition(user=coordinator, round=rnd, status=Round.Status.REVIEW)
    return rnd


def _review(coordinator, rnd, pool, ideas, people, logins, rng) -> None:
    """Volunteers join the pool, are assigned automatically and write their reviews; those still
    writing leave their last one pending."""
    leniency, still_writing = {}, []
    for org, index, writing in pool:
        person = people(org, index)
        reviewer = services.reviewer_add(
            user=coordinator, round=rnd, reviewer_user=_account(person, logins), member=person
        )
        # Some volunteers mark generously and some harshly, which the ranking's adjusted score corrects.
        leniency[reviewer.pk] = rng.choice([-1, 0, 0, 0, 1])
        if writing:
            still_writing.append(reviewer)
    services.reviewers_assign(user=coordinator, round=rnd)
    _mark_notified(rnd)
    pending = {rv.assignments.order_by("-pk").values_list("pk", flat=True).first() for rv in still_writing}
    criteria = list(rnd.criteria.all())
    for idea, proposal in zip(ideas, _proposals(rnd), strict=True):
        assignments = proposal.assignments.order_by("pk").select_related("reviewer__user")
        for i, assignment in enumerate(assignments):
            if assignment.pk in pending:
                continue
            bias = leniency[assignment.reviewer_id]
            scores = {
                c.pk: min(5, max(1, merit + bias + rng.choice([-1, 0, 0, 0, 1])))
                for c, merit in zip(criteria, idea.merit, strict=True)
            }
            services.review_submit(
                user=assignment.reviewer.user,
                assignment=assignment,
                scores=scores,
                comment=idea.comments[i % len(idea.comments)],
                shareable=i % 2 == 0,
            )


def _mark_notified(rnd: Round) -> None:
    """Demo people have made-up addresses: their assignments count as notified, and no e-mail leaves."""
    pending = list(
        ReviewAssignment.objects.filter(
            proposal__round=rnd, status=ReviewAssignment.Status.ASSIGNED
        ).values_list("pk", flat=True)
    )
    nowhere = get_connection("django.core.mail.backends.dummy.EmailBackend")

    def unsent(assignment):
        message = emails.assignment_email(assignment)
        message.connection = nowhere
        return message

    services.assignments_email_once(assignment_ids=pending, marker="notified_at", build=unsent)
