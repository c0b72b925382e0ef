"""Conflicts of interest: the whole rule, in automatic assignment, recusals and assignment by hand."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds import selectors, services
from funds.models import ReviewAssignment
from networks.services import relationship_add, relationship_end
from tests.factories import MemberFactory, OrganisationFactory, RoleFactory, UserFactory
from tests.funds.conftest import make_reviewer, make_round, submit_proposal
from tests.funds.test_assignment import conflicted_pairs

pytestmark = pytest.mark.django_db


def person_with_login(network, name, **fields):
    user = UserFactory(username=name.lower().replace(" ", "-"))
    RoleFactory(network=network, user=user)
    return user, MemberFactory(network=network, name=name, user=user, **fields)


@pytest.fixture
def tangled(network, alice, fund):
    """Four proposals and a pool where reviewers are tied, both ways, to partners, applicants and leads."""
    rnd = make_round(user=alice, fund=fund, status="open")
    orgs = {
        name: OrganisationFactory(network=network, name=name)
        for name in [
            "Westfield Library",
            "Riverside Clinic",
            "Hill School",
            "Harbour Trust",
            "Market Hall",
            "Mill Co-op",
            "Lantern Theatre",
            "Oak Foundation",
        ]
    }
    partners = [
        ["Westfield Library", "Riverside Clinic", "Hill School"],
        ["Harbour Trust", "Market Hall", "Mill Co-op"],
        ["Lantern Theatre", "Westfield Library", "Market Hall"],
        ["Hill School", "Mill Co-op", "Harbour Trust"],
    ]
    lead_orgs = [OrganisationFactory(network=network, name=f"Lead Org {i}") for i in range(4)]
    proposals, leads, applicants = [], [], []
    for i in range(4):
        applicant_user, applicant = person_with_login(network, f"Applicant {i}", community="A")
        lead = MemberFactory(network=network, name=f"Lead {i}", community="A")
        lead.organisations.set([lead_orgs[i]])
        proposals.append(
            submit_proposal(
                rnd=rnd,
                user=applicant_user,
                lead=lead,
                partners=[orgs[n] for n in partners[i]],
                title=f"Project {i}",
            )
        )
        leads.append(lead)
        applicants.append(applicant)

    def reviewer(name, community="B", organisations=()):
        return make_reviewer(
            rnd=rnd,
            coordinator=alice,
            network=network,
            name=name,
            community=community,
            organisations=organisations,
        )

    def tie(source, target, kind="knows"):
        return relationship_add(user=alice, network=network, source=source, target=target, kind=kind)

    pool = {
        name: reviewer(name, community=community)
        for name, community in [
            ("advises-westfield", "B"),
            ("advised-by-harbour", "C"),
            ("friend-of-applicant-1", "B"),
            ("befriended-by-applicant-2", "C"),
            ("mentors-lead-3", "B"),
            ("mentored-by-lead-0", "C"),
            ("works-with-lead-org-1", "B"),
            ("ex-colleague-of-lead-1", "C"),
            *[(f"free-{i}", "BCD"[i % 3]) for i in range(9)],
        ]
    }
    pool["at-lantern"] = reviewer("at-lantern", organisations=[orgs["Lantern Theatre"]])
    pool["at-lead-org-3"] = reviewer("at-lead-org-3", community="C", organisations=[lead_orgs[3]])
    pool["lead-2-in-person"] = services.reviewer_add(
        user=alice, round=rnd, reviewer_user=UserFactory(username="lead-2"), member=leads[2]
    )
    leads[2].user = pool["lead-2-in-person"].user
    leads[2].save(update_fields=["user"])
    pool["applicant-0-themself"] = services.reviewer_add(
        user=alice, round=rnd, reviewer_user=applicants[0].user
    )

    me = {name: rv.member for name, rv in pool.items()}
    tie(me["advises-westfield"], orgs["Westfield Library"], kind="advises")
    tie(orgs["Harbour Trust"], me["advised-by-harbour"], kind="advises")
    tie(me["friend-of-applicant-1"], applicants[1])
    tie(applicants[2], me["befriended-by-applicant-2"])
    tie(me["mentors-lead-3"], leads[3], kind="mentors")
    tie(leads[0], me["mentored-by-lead-0"], kind="mentors")
    tie(me["works-with-lead-org-1"], lead_orgs[1], kind="collaboration")
    relationship_end(user=alice, relationship=tie(me["ex-colleague-of-lead-1"], leads[1]))

    expected = {
        ("advises-westfield", 0): "tie_to_organisation",
        ("advises-westfield", 2): "tie_to_organisation",
        ("advised-by-harbour", 1): "tie_to_organisation",
        ("advised-by-harbour", 3): "tie_to_organisation",
        ("friend-of-applicant-1", 1): "tie_to_applicant",
        ("befriended-by-applicant-2", 2): "tie_to_applicant",
        ("mentors-lead-3", 3): "tie_to_lead",
        ("mentored-by-lead-0", 0): "tie_to_lead",
        ("works-with-lead-org-1", 1): "tie_to_organisation",
        ("at-lantern", 2): "in_organisation",
        ("at-lead-org-3", 3): "in_organisation",
        ("lead-2-in-person", 2): "is_lead in_organisation",  # the lead belongs to their own organisation
        ("applicant-0-themself", 0): "is_applicant",
    }
    expected = {(pool[name].pk, proposals[i].pk): code for (name, i), code in expected.items()}
    return rnd, pool, proposals, expected


def test_every_way_of_being_conflicted_is_found_with_its_reason_and_an_ended_tie_is_not(tangled):
    rnd, pool, proposals, expected = tangled

    conflicts = selectors.round_conflicts(rnd)

    assert {pair: [r.code for r in reasons] for pair, reasons in conflicts.items()} == {
        pair: codes.split() for pair, codes in expected.items()
    }
    assert set(conflicts) == conflicted_pairs(rnd)
    assert not any(rv == pool["ex-colleague-of-lead-1"].pk for rv, _ in conflicts)
    westfield = conflicts[(pool["advises-westfield"].pk, proposals[0].pk)][0]
    assert westfield.detail == "has a direct tie to Westfield Library (a partner organisation)"
    lead_org = conflicts[(pool["works-with-lead-org-1"].pk, proposals[1].pk)][0]
    assert lead_org.detail == "has a direct tie to Lead Org 1 (its lead's organisation)"


def test_automatic_assignment_and_every_recusal_leave_no_conflicted_assignment(alice, tangled):
    rnd, _, _, expected = tangled
    services.round_transition(user=alice, round=rnd, status="review")

    result = services.reviewers_assign(user=alice, round=rnd)

    active = ReviewAssignment.objects.filter(proposal__round=rnd).exclude(status="recused")
    assert result.coverage.fully_covered and active.count() == 12
    assert not set(active.values_list("reviewer_id", "proposal_id")) & set(expected)
    assert result.coverage.conflicts_excluded == len(expected)
    recusals = replacements = 0
    for _ in range(3):
        for assignment in list(active.filter(status="assigned").select_related("reviewer__user")):
            _, replacement = services.review_recuse(
                user=assignment.reviewer.user, assignment=assignment, reason="Too close to them."
            )
            recusals += 1
            replacements += replacement is not None
            assert replacement is None or (replacement.reviewer_id, replacement.proposal_id) not in expected
    assert recusals > 12 and replacements > 12
    everything = set(
        ReviewAssignment.objects.filter(proposal__round=rnd).values_list("reviewer_id", "proposal_id")
    )
    assert not everything & set(expected)
    assert not everything & conflicted_pairs(rnd)


def test_assigning_a_conflicted_reviewer_by_hand_is_refused_naming_the_reason(alice, tangled):
    rnd, pool, proposals, _ = tangled
    services.round_transition(user=alice, round=rnd, status="review")

    with pytest.raises(ValidationError) as caught:
        services.assignment_adjust(user=alice, round=rnd, add=[(pool["advised-by-harbour"], proposals[1])])

    assert caught.value.message_dict["add"] == [
        "Advised-by-harbour cannot review “Project 1”, a conflict of interest: "
        "has a direct tie to Harbour Trust (a partner organisation)."
    ]
    assert not ReviewAssignment.objects.exists()
    services.assignment_adjust(user=alice, round=rnd, add=[(pool["ex-colleague-of-lead-1"], proposals[1])])
    assert ReviewAssignment.objects.get().reviewer == pool["ex-colleague-of-lead-1"]


def test_conflicts_take_the_same_number_of_queries_for_a_pool_of_any_size(network, alice, tangled):
    rnd, pool, proposals, _ = tangled
    with CaptureQueriesContext(connection) as small:
        selectors.round_conflicts(rnd, proposals=proposals[:1], reviewers=list(pool.values())[:2])
    with CaptureQueriesContext(connection) as large:
        selectors.round_conflicts(rnd, proposals=proposals, reviewers=list(pool.values()))
    assert len(large) == len(small) <= 8


def test_a_tie_ending_later_still_counts_and_one_that_ended_does_not(network, alice, tangled):
    rnd, pool, proposals, _ = tangled
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    colleague = pool["ex-colleague-of-lead-1"].member
    lead = proposals[1].lead
    relationship_add(user=alice, network=network, source=lead, target=colleague, kind="mentors")
    colleague.ties_in.filter(kind="mentors").update(ended_on=tomorrow)

    reasons = selectors.round_conflicts(rnd)[(pool["ex-colleague-of-lead-1"].pk, proposals[1].pk)]

    assert [r.code for r in reasons] == ["tie_to_lead"]


def test_the_assignments_page_says_who_was_left_out_of_which_proposal_and_why(client, alice, tangled):
    rnd, *_ = tangled
    client.force_login(alice)

    page = client.get(
        f"/networks/{rnd.fund.network.slug}/funds/rounds/{rnd.pk}/assignments/"
    ).content.decode()

    assert (
        'Advises-westfield <span class="text-body-secondary">(has a direct tie to Westfield Library' in page
    )
    assert "(has a direct tie to its applicant, Applicant 2)" in page
    assert "Ex-colleague-of-lead-1 <span" not in page
