"""Fund fixtures: an open round in alice's network with a rubric, organisations and people."""

import datetime
from decimal import Decimal

import pytest

from funds import services
from networks.models import Member
from tests.factories import MemberFactory, OrganisationFactory, UserFactory


@pytest.fixture
def fund(network, alice):
    return services.fund_create(user=alice, network=network, name="Valley Innovation Fund")


def make_round(*, user, fund, status="open", **overrides):
    today = datetime.date.today()
    fields = {
        "title": "Spring round",
        "focus": "Neighbourhood health projects run by three or more organisations together.",
        "budget": Decimal("20000"),
        "grant_min": Decimal("1500"),
        "grant_max": Decimal("8000"),
        "opens_on": today - datetime.timedelta(days=10),
        "closes_on": today + datetime.timedelta(days=20),
        "review_deadline": today + datetime.timedelta(days=40),
    }
    fields.update(overrides)
    rnd = services.round_create(
        user=user,
        fund=fund,
        criteria=[
            {"name": "Collaboration", "weight": 2, "description": "Do the partners really work together?"},
            {"name": "Newness", "weight": 1, "description": "Is this something new here?"},
        ],
        **fields,
    )
    path = ["open", "review", "decided", "closed"]
    for step in path[: path.index(status) + 1] if status != "draft" else []:
        services.round_transition(user=user, round=rnd, status=step)
    rnd.refresh_from_db()
    return rnd


@pytest.fixture
def open_round(alice, fund):
    return make_round(user=alice, fund=fund)


@pytest.fixture
def orgs(network):
    return [OrganisationFactory(network=network, name=f"Org {c}", community=c) for c in "ABCDE"]


@pytest.fixture
def applicant(network, bob):
    """bob, with his person in the network."""
    MemberFactory(network=network, name="Bob Lead", user=bob, community="A")
    return bob


def bob_member(network, bob) -> Member:
    return Member.objects.get(network=network, user=bob)


def submit_proposal(*, rnd, user, lead, partners, amount="5000", title="Walking buses", submit=True):
    proposal = services.proposal_save_draft(
        user=user,
        round=rnd,
        title=title,
        summary="Three schools and a clinic walk children to school together.",
        amount=amount,
        lead=lead,
        is_new_project=True,
        partners=partners,
    )
    if submit:
        proposal = services.proposal_submit(user=user, proposal=proposal)
    return proposal


def make_reviewer(*, rnd, coordinator, network, name, community="A", is_guardian=False, organisations=()):
    user = UserFactory(username=name)
    member = MemberFactory(network=network, name=name.capitalize(), user=user, community=community)
    if organisations:
        member.organisations.set(organisations)
    return services.reviewer_add(user=coordinator, round=rnd, reviewer_user=user, is_guardian=is_guardian)
