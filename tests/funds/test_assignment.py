import datetime
import random
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q

from funds import services
from funds.assignment import assign_guardians, assign_volunteers, best_replacement
from funds.models import Proposal, ProposalPartner, ReviewAssignment, Reviewer
from networks.models import Member, NetworkRole, Relationship, Role
from tests.factories import OrganisationFactory
from tests.funds.conftest import make_reviewer, make_round
from tests.funds.test_api import client_for

COMMUNITIES = ["North", "South", "East", "West"]


def build_big_round(*, network, alice, fund, reviewers=200, proposals=40, seed=7):
    """A round in review with `proposals` submitted proposals and a pool of `reviewers` volunteers.

    Conflicts are planted on purpose: some reviewers lead a proposal, some work at a partner
    organisation, some have a tie to a lead.
    """
    rng = random.Random(seed)
    rnd = make_round(
        user=alice,
        fund=fund,
        status="review",
        budget=500000,
        grant_max=8000,
        override_reason="A test round outside the usual figures.",
    )
    orgs = [
        OrganisationFactory(network=network, name=f"Org {i}", community=rng.choice(COMMUNITIES))
        for i in range(60)
    ]
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"vol{i}", email=f"vol{i}@example.org") for i in range(reviewers)]
    )
    people = Member.objects.bulk_create(
        [
            Member(
                network=network, name=f"Volunteer {i}", user=u, community=COMMUNITIES[i % len(COMMUNITIES)]
            )
            for i, u in enumerate(users)
        ]
    )
    NetworkRole.objects.bulk_create([NetworkRole(network=network, user=u, role=Role.REVIEWER) for u in users])
    pool = Reviewer.objects.bulk_create(
        [Reviewer(round=rnd, user=u, member=m) for u, m in zip(users, people, strict=True)]
    )
    leads = Member.objects.bulk_create(
        [Member(network=network, name=f"Lead {i}", community="North") for i in range(proposals)]
    )
    # The first 10 proposals are led by volunteers themselves.
    leads[:10] = people[:10]
    props = []
    for i in range(proposals):
        props.append(
            Proposal.objects.create(
                round=rnd,
                title=f"Project {i}",
                summary="s",
                amount=5000,
                lead=leads[i],
                submitted_by=alice,
                is_new_project=True,
                status=Proposal.Status.SUBMITTED,
            )
        )
        for org in rng.sample(orgs, 3):
            ProposalPartner.objects.create(proposal=props[-1], organisation=org)
    for person in people[10:60]:
        person.organisations.set(rng.sample(orgs, 2))
    for i, person in enumerate(people[60:100]):
        Relationship.objects.create(network=network, source=person, target=leads[i % proposals])
    return rnd, pool, props


def conflicted_pairs(rnd) -> set[tuple[int, int]]:
    """Conflicts worked out independently of funds.selectors, straight from the rule in DESIGN.md."""
    today = datetime.date.today()
    ties = {
        frozenset(pair)
        for pair in Relationship.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today)).values_list(
            "source_id", "target_id"
        )
    }
    reviewers = [
        (rv, {o.pk for o in rv.member.organisations.all()} if rv.member_id else set())
        for rv in rnd.reviewers.select_related("member").prefetch_related("member__organisations")
    ]
    pairs = set()
    for proposal in rnd.proposals.select_related("lead").prefetch_related("partners", "lead__organisations"):
        applicants = {
            m.pk for m in Member.objects.filter(network=rnd.fund.network, user=proposal.submitted_by)
        }
        people = applicants | {proposal.lead_id}
        organisations = {pp.organisation_id for pp in proposal.partners.all() if pp.organisation_id}
        organisations |= {o.pk for o in proposal.lead.organisations.all()}
        users = {proposal.submitted_by_id, proposal.lead.user_id} - {None}
        for rv, mine in reviewers:
            me = rv.member_id
            tied = any(frozenset((me, other)) in ties for other in people | organisations)
            if rv.user_id in users or me in people or mine & organisations or tied:
                pairs.add((rv.pk, proposal.pk))
    return pairs


@pytest.mark.django_db
def test_two_hundred_volunteers_cover_forty_proposals_within_every_constraint(network, alice, fund):
    rnd, pool, props = build_big_round(network=network, alice=alice, fund=fund)
    conflicts = conflicted_pairs(rnd)
    assert len(conflicts) > 60, "the scenario should plant plenty of conflicts"

    result = services.reviewers_assign(user=alice, round=rnd)

    pairs = set(
        ReviewAssignment.objects.filter(proposal__round=rnd).values_list("reviewer_id", "proposal_id")
    )
    loads = Counter(rv for rv, _ in pairs)
    per_proposal = Counter(p for _, p in pairs)
    assert max(loads.values()) <= rnd.max_per_reviewer
    assert all(per_proposal[p.pk] >= rnd.reviews_per_proposal for p in props)
    assert not pairs & conflicts
    all_loads = [loads.get(rv.pk, 0) for rv in pool]
    assert max(all_loads) - min(all_loads) <= 1
    communities = defaultdict(set)
    for rv in Reviewer.objects.filter(round=rnd).select_related("member"):
        for _, p in [pair for pair in pairs if pair[0] == rv.pk]:
            communities[p].add(rv.member.community)
    assert all(len(communities[p.pk]) > 1 for p in props)
    assert result.coverage.fully_covered
    assert result.coverage.conflicts_excluded == len(conflicts)
    assert set(result.conflicts) == conflicts


@pytest.mark.django_db
def test_assigning_again_keeps_existing_assignments_and_adds_nothing_when_covered(network, alice, fund):
    rnd, _, _ = build_big_round(network=network, alice=alice, fund=fund, reviewers=40, proposals=10)
    first = services.reviewers_assign(user=alice, round=rnd)
    second = services.reviewers_assign(user=alice, round=rnd)
    assert len(first.created) == 30
    assert second.created == []
    assert second.coverage.fully_covered


def test_a_tight_pool_is_loaded_evenly_and_still_covers_every_proposal():
    rng = random.Random(3)
    proposals = list(range(40))
    reviewers = {f"r{i}": COMMUNITIES[i % 4] for i in range(45)}
    conflicts = {(f"r{rng.randrange(45)}", rng.randrange(40)) for _ in range(60)}
    plan = assign_volunteers(proposals=proposals, reviewers=reviewers, conflicts=conflicts, r=3, k=3)
    loads = plan.coverage.load_per_reviewer
    assert max(loads.values()) <= 3
    assert max(loads.values()) - min(loads.values()) <= 1
    assert all(n >= 3 for n in plan.coverage.reviews_per_proposal.values())
    assert not set(plan.new_pairs) & conflicts


def test_when_the_pool_is_too_small_reviews_are_shared_out_evenly_and_the_gap_reported():
    plan = assign_volunteers(
        proposals=["p1", "p2", "p3", "p4"],
        reviewers={"a": "N", "b": "S", "c": "N"},
        conflicts=set(),
        r=3,
        k=2,
    )
    assert sorted(plan.coverage.reviews_per_proposal.values()) == [1, 1, 2, 2]
    assert set(plan.coverage.load_per_reviewer.values()) == {2}
    assert sum(plan.coverage.short.values()) == 6


def test_reviewers_come_from_more_than_one_community_when_the_pool_allows():
    plan = assign_volunteers(
        proposals=["p1", "p2"],
        reviewers={"n1": "North", "n2": "North", "s1": "South", "s2": "South"},
        conflicts=set(),
        r=2,
        k=1,
    )
    by_proposal = defaultdict(set)
    for rv, p in plan.new_pairs:
        by_proposal[p].add(rv[0])
    assert by_proposal == {"p1": {"n", "s"}, "p2": {"n", "s"}}


def test_guardians_review_every_proposal_except_where_conflicted():
    plan = assign_guardians(proposals=[1, 2, 3], guardians=["g1", "g2"], conflicts={("g1", 2)})
    assert sorted(plan.new_pairs) == [("g1", 1), ("g1", 3), ("g2", 1), ("g2", 2), ("g2", 3)]
    assert plan.coverage.conflicts_excluded == 1


def test_the_replacement_is_the_least_loaded_eligible_reviewer_from_a_new_community():
    chosen = best_replacement(
        reviewers={"busy": "South", "same": "North", "fresh": "South", "blocked": "East"},
        loads={"busy": 2, "same": 0, "fresh": 0, "blocked": 0},
        k=3,
        blocked={"blocked"},
        communities_on_proposal=["North"],
    )
    assert chosen == "fresh"
    assert (
        best_replacement(reviewers={"a": "N"}, loads={"a": 3}, k=3, blocked=set(), communities_on_proposal=[])
        is None
    )


@pytest.mark.django_db
def test_guardian_mode_puts_every_guardian_on_every_proposal(network, alice, fund):
    rnd, pool, props = build_big_round(network=network, alice=alice, fund=fund, reviewers=12, proposals=5)
    rnd.review_mode = "guardian"
    rnd.save(update_fields=["review_mode"])
    guardians = pool[10:12]
    Reviewer.objects.filter(pk__in=[g.pk for g in guardians]).update(is_guardian=True)
    services.reviewers_assign(user=alice, round=rnd)
    pairs = set(
        ReviewAssignment.objects.filter(proposal__round=rnd).values_list("reviewer_id", "proposal_id")
    )
    expected = {(g.pk, p.pk) for g in guardians for p in props} - conflicted_pairs(rnd)
    assert pairs == expected


@pytest.mark.django_db
def test_a_coordinator_can_adjust_by_hand_but_not_into_a_conflict(network, alice, bob, fund):
    rnd, pool, props = build_big_round(network=network, alice=alice, fund=fund, reviewers=12, proposals=3)
    leader = Reviewer.objects.get(member=props[0].lead)
    with pytest.raises(Exception, match="conflict"):
        services.assignment_adjust(user=alice, round=rnd, add=[(leader, props[0])])
    created = services.assignment_adjust(user=alice, round=rnd, add=[(pool[11], props[0])])
    assert created[0].by_hand
    services.assignment_adjust(user=alice, round=rnd, remove=created)
    assert not ReviewAssignment.objects.filter(pk=created[0].pk).exists()
    with pytest.raises(Exception, match="coordinators"):
        services.assignment_adjust(user=bob, round=rnd, add=[(pool[11], props[0])])


def test_a_volunteer_gets_at_most_three_proposals_when_the_round_does_not_say(network, alice, fund):
    rnd = make_round(
        user=alice,
        fund=fund,
        status="review",
        budget=100000,
        override_reason="A test round outside the usual figures.",
    )
    assert (rnd.max_per_reviewer, rnd.reviews_per_proposal) == (3, 3)
    lead = Member.objects.create(network=network, name="Lead")
    for i in range(5):
        proposal = Proposal.objects.create(
            round=rnd,
            title=f"Project {i}",
            summary="s",
            amount=5000,
            lead=lead,
            submitted_by=alice,
            is_new_project=True,
            status=Proposal.Status.SUBMITTED,
        )
        orgs = [OrganisationFactory(network=network, name=f"Org {i}{c}") for c in "abc"]
        ProposalPartner.objects.bulk_create(
            [ProposalPartner(proposal=proposal, organisation=o) for o in orgs]
        )
    only = make_reviewer(rnd=rnd, coordinator=alice, network=network, name="vera")
    services.reviewers_assign(user=alice, round=rnd)
    assert ReviewAssignment.objects.filter(reviewer=only).count() == 3


def test_a_round_set_up_over_the_api_without_k_gives_each_volunteer_three(alice, fund):
    response = client_for(alice).post(
        "/api/v1/networks/healthy-valleys/rounds/",
        {
            "fund": fund.pk,
            "title": "Autumn",
            "budget": "15000",
            "grant_min": "1500",
            "grant_max": "5000",
            "opens_on": "2030-01-01",
            "closes_on": "2030-02-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["max_per_reviewer"] == 3
