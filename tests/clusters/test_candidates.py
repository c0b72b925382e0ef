import datetime

import pytest
from django.utils import timezone

from clusters.candidates import Org, candidates_for_cluster, candidates_propose, select_candidates
from networks.models import MemberMetric, Snapshot
from networks.services import tags_resolve
from tests.clusters.factories import ParticipantFactory
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory


@pytest.fixture
def walking(network):
    """A hand-built network: four walking-group organisations, two of them tied, two through their people.

    A (North) – C (South) tied directly; B (North) – D (East) tied through a person in each.
    E works on food banks, G walks but is archived, H has no tag: none of them is a candidate.
    """
    walk, food = tags_resolve(network=network, names=["Walking groups", "Food banks"])
    orgs = {}
    for name, community, tag in [
        ("A", "North", walk),
        ("B", "North", walk),
        ("C", "South", walk),
        ("D", "East", walk),
        ("E", "South", food),
        ("G", "West", walk),
        ("H", "West", None),
    ]:
        org = OrganisationFactory(network=network, name=name, community=community)
        if tag:
            org.tags.add(tag)
        orgs[name] = org
    orgs["G"].archived_at = timezone.now()
    orgs["G"].save()
    RelationshipFactory(network=network, source=orgs["A"], target=orgs["C"])
    in_b = MemberFactory(network=network, name="Bea")
    in_b.organisations.add(orgs["B"])
    in_d = MemberFactory(network=network, name="Dan")
    in_d.organisations.add(orgs["D"])
    RelationshipFactory(network=network, source=in_b, target=in_d)
    return walk, orgs


def test_only_active_organisations_tagged_with_the_strategy_are_proposed(network, walking):
    walk, _ = walking
    names = {c.name for c in candidates_propose(network=network, tags=[walk])}
    assert names == {"A", "B", "C", "D"}


def test_candidates_spread_across_communities_and_prefer_organisations_not_yet_tied(network, walking):
    walk, _ = walking
    picks = candidates_propose(network=network, tags=[walk])
    # D beats C (C is tied to A) and beats B (same community as A); C then beats B (new community).
    assert [c.name for c in picks] == ["A", "D", "C", "B"]
    assert [c.rank for c in picks] == [1, 2, 3, 4]
    by_name = {c.name: c for c in picks}
    assert by_name["D"].new_community and by_name["D"].tied_with == ()
    assert by_name["C"].tied_with == ("A",)
    assert by_name["B"].tied_with == ("D",)  # tied through its person Bea to Dan of D
    assert not by_name["B"].new_community


def test_each_candidate_comes_with_a_plain_language_reason(network, walking):
    walk, _ = walking
    reasons = {c.name: c.reason for c in candidates_propose(network=network, tags=[walk])}
    assert "Works on Walking groups." in reasons["A"]
    assert "From East, a community not yet in the cluster." in reasons["D"]
    assert "Not yet tied to anyone already in the cluster: 1 new pair." in reasons["D"]
    assert "Already tied to A; 1 new pair." in reasons["C"]
    assert "From North, like another organisation already in the cluster." in reasons["B"]


def test_the_proposal_stops_at_the_limit(network, walking):
    walk, _ = walking
    assert len(candidates_propose(network=network, tags=[walk], limit=2)) == 2


def test_who_else_should_be_in_an_existing_cluster_starts_from_its_participants(network, walking, cluster):
    walk, orgs = walking
    cluster.strategy_tags.add(walk)
    ParticipantFactory(cluster=cluster, organisation=orgs["A"])
    ParticipantFactory(cluster=cluster, organisation=orgs["C"])
    picks = candidates_for_cluster(cluster=cluster)
    assert [c.name for c in picks] == ["D", "B"]
    assert picks[0].new_pairs == 2
    assert picks[1].tied_with == ("D",) and picks[1].new_pairs == 2


def test_greedy_selection_prefers_new_pairs_over_a_new_community():
    seed = [Org(1, "One", "North")]
    pool = [Org(2, "Two", "South"), Org(3, "Three", "North")]
    picks = select_candidates(pool=pool, neighbours={1: {2}, 2: {1}}, seed=seed, limit=1)
    # Three shares One's community but does not know One yet: a new tie beats a new community.
    assert [p.name for p in picks] == ["Three"]
    assert "Not yet tied" in picks[0].reason


def test_greedy_selection_takes_a_new_community_when_ties_are_equal():
    pool = [Org(1, "Alpha", "North"), Org(2, "Beta", "North"), Org(3, "Gamma", "South")]
    picks = select_candidates(pool=pool, neighbours={}, seed=[Org(9, "Seed", "North")], limit=3)
    assert [p.name for p in picks] == ["Gamma", "Alpha", "Beta"]
    assert picks[0].new_pairs == 1 and picks[1].new_pairs == 2


def detected(network, placed: dict, *, names: dict[int, str], status=Snapshot.Status.DONE, age_days=0):
    """A metrics snapshot that placed these members (member -> community id) in named communities."""
    snapshot = Snapshot.objects.create(
        network=network,
        status=status,
        finished_at=timezone.now() - datetime.timedelta(days=age_days),
        communities=[{"id": i, "name": name} for i, name in names.items()],
    )
    MemberMetric.objects.bulk_create(
        MemberMetric(snapshot=snapshot, member=member, community=community)
        for member, community in placed.items()
    )
    return snapshot


@pytest.fixture
def untyped(network):
    """A (North) and two organisations with no community typed in, B and C; nobody is tied."""
    (walk,) = tags_resolve(network=network, names=["Walking groups"])
    orgs = {}
    for name, community in [("A", "North"), ("B", ""), ("C", "")]:
        orgs[name] = OrganisationFactory(network=network, name=name, community=community)
        orgs[name].tags.add(walk)
    return walk, orgs


def test_without_a_snapshot_an_organisation_with_no_community_typed_in_has_none(network, untyped):
    walk, _ = untyped
    picks = candidates_propose(network=network, tags=[walk])
    assert [c.name for c in picks] == ["A", "B", "C"]
    assert "No community recorded." in picks[1].reason and not picks[1].community_detected


def test_a_blank_community_falls_back_on_the_one_the_latest_done_snapshot_detected(network, untyped):
    walk, orgs = untyped
    detected(network, {orgs["B"]: 0, orgs["C"]: 0}, names={0: "South"}, age_days=2)
    detected(network, {orgs["B"]: 0, orgs["C"]: 1}, names={0: "North", 1: "Group 2"}, age_days=1)
    detected(
        network, {orgs["B"]: 1, orgs["C"]: 0}, names={0: "North", 1: "East"}, status=Snapshot.Status.RUNNING
    )
    picks = candidates_propose(network=network, tags=[walk])
    # C brings a community the cluster lacks; B's detected community is A's, North.
    assert [c.name for c in picks] == ["A", "C", "B"]
    by_name = {c.name: c for c in picks}
    assert (by_name["C"].community, by_name["C"].community_detected) == ("Group 2", True)
    assert (
        "From Group 2 (as the network map groups it), a community not yet in the cluster."
        in by_name["C"].reason
    )
    assert by_name["B"].community == "North" and not by_name["B"].new_community
    assert "like another organisation already in the cluster" in by_name["B"].reason
    assert (by_name["A"].community, by_name["A"].community_detected) == ("North", False)


def test_who_else_reads_the_detected_community_of_a_participant_with_none_typed_in(network, cluster, untyped):
    walk, orgs = untyped
    cluster.strategy_tags.add(walk)
    ParticipantFactory(cluster=cluster, organisation=orgs["B"])
    south = OrganisationFactory(network=network, name="D", community="south")
    south.tags.add(walk)
    detected(network, {orgs["B"]: 0, orgs["C"]: 1}, names={0: "South", 1: "West"})
    picks = candidates_for_cluster(cluster=cluster)
    # A (North) and C (West) bring new communities; D's "south" is the one B was detected in.
    assert [c.name for c in picks] == ["A", "C", "D"]
    assert not picks[-1].new_community


def test_two_detected_communities_sharing_a_name_count_as_two(network, untyped):
    walk, orgs = untyped
    detected(network, {orgs["B"]: 0, orgs["C"]: 1}, names={0: "North", 1: "North"})
    picks = candidates_propose(network=network, tags=[walk])
    by_name = {c.name: c for c in picks}
    assert (by_name["B"].community, by_name["C"].community) == ("North A", "North B")
    assert by_name["B"].new_community and by_name["C"].new_community
