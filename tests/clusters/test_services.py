import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clusters.models import Attendance, FollowUp, LearningCluster, SessionTieEffect
from clusters.selectors import cluster_stats, cluster_warnings
from clusters.services import (
    advice_add,
    attendance_record,
    cluster_create,
    cluster_person_add,
    cluster_update,
    followup_add,
    followup_set_status,
    lesson_add,
    participant_add,
    peer_assist_create,
    peer_assist_update,
    question_add,
    session_create,
    session_update,
)
from networks.models import MemberMetric, Relationship, Role, Snapshot
from networks.permissions import has_role
from networks.services import relationship_add, relationship_update
from tests.clusters.factories import ClusterPersonFactory, ParticipantFactory, SessionFactory
from tests.factories import MemberFactory, OrganisationFactory, RoleFactory, UserFactory


def people_of(cluster, n):
    """n new people of the network taking part in the cluster."""
    return [
        ClusterPersonFactory(cluster=cluster, person=MemberFactory(network=cluster.network)).person
        for _ in range(n)
    ]


def orgs(network, n, communities=("North", "South")):
    return [
        OrganisationFactory(network=network, community=communities[i % len(communities)]) for i in range(n)
    ]


# ---------------------------------------------------------------- size and community warnings


@pytest.mark.parametrize(("size", "warned"), [(5, True), (6, False), (12, False), (13, True)])
def test_cluster_size_outside_six_to_twelve_warns_but_is_allowed(network, alice, size, warned):
    cluster, warnings = cluster_create(
        user=alice, network=network, name="Walk", organisations=orgs(network, size)
    )
    assert cluster.participants.count() == size
    assert any("work best with 6 to 12" in w for w in warnings) is warned


def test_participants_all_from_one_community_warn(network, alice):
    _, warnings = cluster_create(
        user=alice, network=network, name="Walk", organisations=orgs(network, 6, communities=("North",))
    )
    assert warnings == [
        "All participants come from one community (North); a cluster learns more, "
        "and weaves more new ties, across communities."
    ]


def snapshot_placing(network, placed: dict, names: dict[int, str]):
    """A done metrics snapshot that placed these members (member -> community id) in named communities."""
    snapshot = Snapshot.objects.create(
        network=network,
        status=Snapshot.Status.DONE,
        finished_at=timezone.now(),
        communities=[{"id": i, "name": name} for i, name in names.items()],
    )
    MemberMetric.objects.bulk_create(
        MemberMetric(snapshot=snapshot, member=m, community=c) for m, c in placed.items()
    )


def test_the_one_community_warning_counts_only_the_communities_that_are_known(network, alice):
    typed = orgs(network, 3, communities=("North",))
    blank = orgs(network, 3, communities=("",))
    _, warnings = cluster_create(user=alice, network=network, name="Walk", organisations=typed + blank)
    assert warnings == [
        "All the participants whose community is known (3 of 6) come from one community (North); "
        "a cluster learns more, and weaves more new ties, across communities."
    ]


def test_two_detected_communities_sharing_a_name_are_not_one_community(network, alice):
    blank = orgs(network, 6, communities=("",))
    cluster, _ = cluster_create(user=alice, network=network, name="Walk", organisations=blank)
    # The map tells them apart as North A and North B: two valleys, both named after their town.
    snapshot_placing(network, {org: i % 2 for i, org in enumerate(blank)}, {0: "North", 1: "North"})
    assert cluster_warnings(cluster=cluster) == []


def test_an_organisation_with_no_community_typed_in_counts_with_the_one_the_snapshot_detected(network, alice):
    typed = orgs(network, 5, communities=("North",))
    blank = OrganisationFactory(network=network, community="")
    cluster, _ = cluster_create(user=alice, network=network, name="Walk", organisations=[*typed, blank])
    snapshot_placing(network, {blank: 0}, {0: "south"})
    assert cluster_warnings(cluster=cluster) == []
    snapshot_placing(network, {blank: 0}, {0: "north"})  # the latest snapshot now places it in North
    assert cluster_warnings(cluster=cluster) == [
        "All participants come from one community (North); a cluster learns more, "
        "and weaves more new ties, across communities."
    ]


def test_one_known_community_alone_does_not_warn(network, alice):
    _, warnings = cluster_create(
        user=alice,
        network=network,
        name="Walk",
        organisations=orgs(network, 1, communities=("North",)) + orgs(network, 5, communities=("",)),
    )
    assert warnings == []


def test_a_local_project_counts_as_a_participant_with_its_own_community(network, alice):
    cluster, _ = cluster_create(
        user=alice, network=network, name="Walk", organisations=orgs(network, 5, communities=("North",))
    )
    participant, warnings = participant_add(
        user=alice, cluster=cluster, project_name="Riverside walkers", community="Riverside"
    )
    assert participant.name == "Riverside walkers"
    assert warnings == []


def test_an_organisation_cannot_take_part_twice_or_come_from_another_network(
    network, other_network, alice, cluster
):
    org = OrganisationFactory(network=network)
    participant_add(user=alice, cluster=cluster, organisation=org)
    with pytest.raises(ValidationError, match="already takes part"):
        participant_add(user=alice, cluster=cluster, organisation=org)
    with pytest.raises(ValidationError, match="not an organisation of this network"):
        participant_add(user=alice, cluster=cluster, organisation=OrganisationFactory(network=other_network))


def test_creating_a_cluster_sets_tags_and_facilitators_chosen_among_the_networks_facilitators(network, alice):
    erin = UserFactory(username="erin")
    RoleFactory(network=network, user=erin, role=Role.FACILITATOR)
    cluster, _ = cluster_create(
        user=alice, network=network, name="Walk", strategy_tags=["Walking groups"], facilitators=[erin]
    )
    assert [t.name for t in cluster.strategy_tags.all()] == ["Walking groups"]
    assert list(cluster.facilitators.all()) == [erin]


def test_a_login_without_the_facilitator_role_cannot_facilitate_and_gets_no_role(network, alice, bob):
    with pytest.raises(ValidationError, match="not a facilitator of this network"):
        cluster_create(user=alice, network=network, name="Walk", facilitators=[bob])
    assert not has_role(bob, network, Role.FACILITATOR)
    assert not LearningCluster.objects.filter(name="Walk").exists()


def test_a_cluster_cannot_end_before_it_starts(network, alice, cluster):
    with pytest.raises(ValidationError):
        cluster_update(
            user=alice,
            cluster=cluster,
            starts_on=datetime.date(2025, 5, 1),
            ends_on=datetime.date(2025, 4, 1),
        )


@pytest.mark.parametrize(("size", "warned"), [(4, True), (5, False), (12, False), (13, True)])
def test_assisting_group_outside_five_to_twelve_warns(network, alice, cluster, size, warned):
    session = SessionFactory(cluster=cluster)
    presenter = ParticipantFactory(cluster=cluster)
    people = people_of(cluster, size)
    peer_assist, warnings = peer_assist_create(
        user=alice, session=session, presenter=presenter, challenge="Keeping volunteers", assisting=people
    )
    assert peer_assist.assisting.count() == size
    assert bool(warnings) is warned


def test_the_presenting_project_must_belong_to_the_cluster(network, alice, cluster):
    session = SessionFactory(cluster=cluster)
    stranger = ParticipantFactory(cluster__network=network)
    with pytest.raises(ValidationError, match="must take part"):
        peer_assist_create(user=alice, session=session, presenter=stranger, challenge="?")


# ---------------------------------------------------------------- attendance and learning ties


@pytest.fixture
def trio(network, cluster):
    """Three people taking part in the cluster."""
    people = [
        MemberFactory(network=network, name=n, community=c)
        for n, c in [("Ana", "North"), ("Ben", "South"), ("Cy", "North")]
    ]
    for person in people:
        ClusterPersonFactory(cluster=cluster, person=person)
    return people


def learning_ties(network):
    return Relationship.objects.filter(network=network, kind="learning")


def test_attending_a_session_together_ties_each_pair_of_attendees(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    outcome = attendance_record(user=alice, session=session, attended=trio)
    assert len(outcome.ties_created) == 3
    ties = learning_ties(network)
    assert ties.count() == 3
    assert {t.provenance for t in ties} == {Relationship.Provenance.CLUSTER}
    assert {t.provenance_detail for t in ties} == {f"Learning cluster #{cluster.pk}: Walking groups"}
    assert {t.strength for t in ties} == {1}


def test_re_saving_attendance_does_not_tie_or_strengthen_twice(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio[:2])
    again = attendance_record(user=alice, session=session, attended=trio[:2])
    attendance_record(user=alice, session=session, attended=[trio[0]], absent=[trio[1]])
    attendance_record(user=alice, session=session, attended=trio[:2])
    assert again.ties_created == [] and again.ties_strengthened == []
    assert learning_ties(network).active().get().strength == 1
    assert SessionTieEffect.objects.filter(session=session).count() == 1
    assert Attendance.objects.filter(session=session).count() == 2


def test_unticking_an_attendee_ends_a_tie_only_this_session_created(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio[:2])
    outcome = attendance_record(user=alice, session=session, attended=[trio[0]], absent=[trio[1]])
    tie = learning_ties(network).get()
    assert outcome.ties_ended == [tie]
    assert tie.ended_on is not None
    assert not SessionTieEffect.objects.filter(session=session).exists()


def test_unticking_weakens_a_tie_this_session_only_strengthened(network, alice, cluster, trio):
    first, second = SessionFactory(cluster=cluster), SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=first, attended=trio[:2])
    attendance_record(user=alice, session=second, attended=trio[:2])
    outcome = attendance_record(user=alice, session=second, attended=[trio[0]], absent=[trio[1]])
    tie = learning_ties(network).get()
    assert outcome.ties_weakened == [tie]
    assert tie.strength == 1 and tie.ended_on is None
    assert SessionTieEffect.objects.get().session == first


def test_unticking_the_first_session_keeps_a_tie_a_later_session_depends_on(network, alice, cluster, trio):
    first, second = SessionFactory(cluster=cluster), SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=first, attended=trio[:2])
    attendance_record(user=alice, session=second, attended=trio[:2])
    attendance_record(user=alice, session=first, attended=[trio[0]], absent=[trio[1]])
    tie = learning_ties(network).get()
    assert tie.ended_on is None and tie.strength == 1
    effect = SessionTieEffect.objects.get()
    assert effect.session == second and effect.created_tie


def test_unticking_leaves_a_tie_someone_strengthened_by_hand_as_they_set_it(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio[:2])
    relationship_update(user=alice, relationship=learning_ties(network).get(), strength=3)
    attendance_record(user=alice, session=session, attended=[trio[0]], absent=[trio[1]])
    tie = learning_ties(network).get()
    assert tie.ended_on is None and tie.strength == 3
    assert not SessionTieEffect.objects.exists()


def test_unticking_takes_back_nothing_from_a_tie_that_was_already_at_five(network, alice, cluster, trio):
    relationship_add(user=alice, network=network, source=trio[0], target=trio[1], kind="learning", strength=5)
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio[:2])
    outcome = attendance_record(user=alice, session=session, attended=[trio[0]], absent=[trio[1]])
    assert outcome.ties_weakened == [] and learning_ties(network).get().strength == 5


def test_ticking_again_after_a_correction_applies_the_session_once(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    for _ in range(3):
        attendance_record(user=alice, session=session, attended=trio)
        attendance_record(user=alice, session=session, attended=trio[:2], absent=[trio[2]])
    attendance_record(user=alice, session=session, attended=trio)
    attendance_record(user=alice, session=session, attended=trio)
    assert SessionTieEffect.objects.filter(session=session).count() == 3
    assert learning_ties(network).active().count() == 3
    assert set(learning_ties(network).active().values_list("strength", flat=True)) == {1}
    assert cluster_stats(cluster=cluster)["ties_created"] == 3


def test_a_late_attendee_is_tied_to_those_already_marked_present(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio[:2])
    outcome = attendance_record(user=alice, session=session, attended=[trio[2]])
    assert len(outcome.ties_created) == 2
    assert learning_ties(network).count() == 3


def test_each_further_session_together_strengthens_the_tie_by_one_up_to_five(network, alice, cluster, trio):
    for _ in range(6):
        attendance_record(user=alice, session=SessionFactory(cluster=cluster), attended=trio[:2])
    tie = learning_ties(network).get()
    assert tie.strength == 5
    assert SessionTieEffect.objects.filter(created_tie=True).count() == 1


def test_an_existing_learning_tie_is_strengthened_not_duplicated(network, alice, cluster, trio):
    manual = relationship_add(
        user=alice, network=network, source=trio[1], target=trio[0], kind="learning", strength=3
    )
    outcome = attendance_record(user=alice, session=SessionFactory(cluster=cluster), attended=trio[:2])
    manual.refresh_from_db()
    assert outcome.ties_strengthened == [manual]
    assert manual.strength == 4 and manual.provenance == Relationship.Provenance.MANUAL


def test_learning_ties_can_be_switched_off_per_cluster(network, alice, cluster, trio):
    cluster_update(user=alice, cluster=cluster, learning_ties_enabled=False)
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio)
    assert Attendance.objects.filter(session=session, attended=True).count() == 3
    assert not learning_ties(network).exists()


def test_attendance_of_someone_outside_the_network_is_refused(network, other_network, alice, cluster):
    stranger = MemberFactory(network=other_network)
    with pytest.raises(ValidationError):
        attendance_record(user=alice, session=SessionFactory(cluster=cluster), attended=[stranger])


def test_only_the_clusters_people_can_be_marked_present(network, alice, cluster, trio):
    outsider = MemberFactory(network=network, name="Olga Out")
    session = SessionFactory(cluster=cluster)
    with pytest.raises(ValidationError) as error:
        attendance_record(user=alice, session=session, attended=[*trio, outsider])
    assert error.value.message_dict == {
        "attended": ["Olga Out does not take part in this cluster; add them to the cluster's people first."]
    }
    with pytest.raises(ValidationError, match="Olga Out does not take part"):
        attendance_record(user=alice, session=session, absent=[outsider])
    assert not Attendance.objects.exists() and not learning_ties(network).exists()


def test_someone_recorded_before_leaving_the_cluster_can_be_re_saved_and_unticked(
    network, alice, cluster, trio
):
    session = SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=session, attended=trio[:2])
    cluster.people.filter(person=trio[1]).delete()
    again = attendance_record(user=alice, session=session, attended=trio[:2])
    assert again.ties_created == [] and learning_ties(network).active().count() == 1
    undone = attendance_record(user=alice, session=session, attended=[trio[0]], absent=[trio[1]])
    assert len(undone.ties_ended) == 1
    with pytest.raises(ValidationError, match="Ben does not take part"):
        attendance_record(user=alice, session=session, attended=[trio[1]])


def test_learning_ties_are_woven_only_among_the_clusters_people(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster)
    # Recorded before attendance was limited to the cluster's people.
    Attendance.objects.create(session=session, person=MemberFactory(network=network), attended=True)
    outcome = attendance_record(user=alice, session=session, attended=trio[:2])
    assert len(outcome.ties_created) == 1
    assert {frozenset((t.source, t.target)) for t in learning_ties(network)} == {frozenset(trio[:2])}


def test_the_assisting_group_takes_only_the_clusters_people(network, alice, cluster, trio):
    outsiders = [MemberFactory(network=network, name=n) for n in ("Olga Out", "Oscar Out")]
    session, presenter = SessionFactory(cluster=cluster), ParticipantFactory(cluster=cluster)
    with pytest.raises(ValidationError) as error:
        peer_assist_create(
            user=alice, session=session, presenter=presenter, challenge="Rain", assisting=[*trio, *outsiders]
        )
    assert error.value.message_dict["assisting"] == [
        "Olga Out and Oscar Out do not take part in this cluster; add them to the cluster's people first."
    ]
    peer_assist, _ = peer_assist_create(
        user=alice, session=session, presenter=presenter, challenge="Rain", assisting=trio
    )
    cluster.people.filter(person=trio[2]).delete()
    with pytest.raises(ValidationError, match="Olga Out does not take part"):
        peer_assist_update(user=alice, peer_assist=peer_assist, assisting=[*trio, outsiders[0]])
    peer_assist_update(user=alice, peer_assist=peer_assist, assisting=trio)  # Cy stays in the group
    assert set(peer_assist.assisting.all()) == set(trio)


def test_questions_and_advice_are_captured_from_the_clusters_people_only(network, alice, cluster, trio):
    peer_assist, _ = peer_assist_create(
        user=alice,
        session=SessionFactory(cluster=cluster),
        presenter=ParticipantFactory(cluster=cluster),
        challenge="Rain",
    )
    outsider = MemberFactory(network=network, name="Olga Out")
    with pytest.raises(ValidationError, match="Olga Out does not take part"):
        question_add(user=alice, peer_assist=peer_assist, text="Why?", asked_by=outsider)
    with pytest.raises(ValidationError, match="Olga Out does not take part"):
        advice_add(user=alice, peer_assist=peer_assist, text="Walk.", given_by=outsider)
    assert (
        question_add(user=alice, peer_assist=peer_assist, text="Why?", asked_by=trio[0]).asked_by == trio[0]
    )


def test_stats_count_attendance_peer_assists_follow_ups_and_new_ties(network, alice, cluster, trio):
    session = SessionFactory(cluster=cluster, starts_at=timezone.now() - datetime.timedelta(days=1))
    attendance_record(user=alice, session=session, attended=trio[:2], absent=trio[2:])
    peer_assist, _ = peer_assist_create(
        user=alice, session=session, presenter=ParticipantFactory(cluster=cluster), challenge="Rain"
    )
    done = followup_add(user=alice, peer_assist=peer_assist, action="Buy umbrellas")
    followup_add(user=alice, peer_assist=peer_assist, action="Find a hall")
    followup_set_status(user=alice, follow_up=done, status="done")
    stats = cluster_stats(cluster=cluster)
    assert stats["attendance_rate"] == pytest.approx(2 / 3, abs=0.001)
    assert stats["peer_assists"] == 1
    assert (stats["follow_ups_done"], stats["follow_ups"]) == (1, 2)
    assert stats["ties_created"] == 1
    # Ana typed in North and Ben South, but only the map's detected communities count, and there is none.
    assert stats["ties_created_across_communities"] is None


def held(cluster, days_ago):
    return SessionFactory(cluster=cluster, starts_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_the_attendance_rate_counts_the_clusters_people_nobody_ticked_as_absent(
    network, alice, cluster, trio
):
    dan = MemberFactory(network=network, name="Dan")
    cluster_person_add(user=alice, cluster=cluster, person=dan)
    first, second, upcoming = held(cluster, 14), held(cluster, 7), SessionFactory(cluster=cluster)
    attendance_record(user=alice, session=first, attended=trio[:2], absent=[trio[2]])  # Dan not recorded
    attendance_record(user=alice, session=second, attended=[dan])
    attendance_record(user=alice, session=upcoming, attended=[*trio, dan])  # not held yet
    # Someone recorded before attendance was limited to the cluster's people does not count.
    Attendance.objects.create(session=second, person=MemberFactory(network=network), attended=True)
    stats = cluster_stats(cluster=cluster)
    assert (stats["people"], stats["sessions"], stats["sessions_held"]) == (4, 3, 2)
    assert (stats["attended"], stats["attendance_expected"]) == (3, 8)
    assert stats["attendance_rate"] == 0.375


def test_the_attendance_rate_is_none_before_any_session_is_held(network, alice, cluster, trio):
    attendance_record(user=alice, session=SessionFactory(cluster=cluster), attended=[trio[0]])
    stats = cluster_stats(cluster=cluster)
    assert stats["attendance_rate"] is None and stats["attendance_expected"] == 0


def test_peer_assists_held_counts_only_those_in_sessions_already_held(alice, cluster):
    presenter = ParticipantFactory(cluster=cluster)
    for session in (held(cluster, 3), SessionFactory(cluster=cluster), SessionFactory(cluster=cluster)):
        peer_assist_create(user=alice, session=session, presenter=presenter, challenge="Rain")
    assert cluster_stats(cluster=cluster)["peer_assists"] == 1


# ---------------------------------------------------------------- follow-ups


@pytest.fixture
def follow_up(network, alice, cluster):
    session = SessionFactory(cluster=cluster)
    peer_assist, _ = peer_assist_create(
        user=alice, session=session, presenter=ParticipantFactory(cluster=cluster), challenge="Rain"
    )
    owner = MemberFactory(network=network, name="Ana")
    return followup_add(
        user=alice,
        peer_assist=peer_assist,
        action="Ask the library",
        owner=owner,
        due_on=datetime.date(2025, 6, 1),
    )


def test_a_follow_up_starts_open_and_can_be_done_reopened_and_dropped(alice, follow_up):
    assert follow_up.status == FollowUp.Status.OPEN
    follow_up = followup_set_status(user=alice, follow_up=follow_up, status="done")
    assert follow_up.status == "done" and follow_up.closed_at is not None
    follow_up = followup_set_status(user=alice, follow_up=follow_up, status="open")
    assert follow_up.closed_at is None
    follow_up = followup_set_status(user=alice, follow_up=follow_up, status="dropped")
    assert FollowUp.objects.get(pk=follow_up.pk).status == "dropped"


def test_a_done_follow_up_cannot_be_dropped_without_reopening(alice, follow_up):
    followup_set_status(user=alice, follow_up=follow_up, status="done")
    with pytest.raises(ValidationError, match="cannot become dropped"):
        followup_set_status(user=alice, follow_up=follow_up, status="dropped")
    with pytest.raises(ValidationError, match="Unknown status"):
        followup_set_status(user=alice, follow_up=follow_up, status="maybe")


def test_a_follow_up_owner_must_be_in_the_network(other_network, alice, follow_up):
    with pytest.raises(ValidationError):
        followup_add(
            user=alice,
            peer_assist=follow_up.peer_assist,
            action="x",
            owner=MemberFactory(network=other_network),
        )


# ---------------------------------------------------------------- lessons, sessions, invitations


def test_a_lesson_is_tagged_and_linked_to_a_peer_assist_of_the_same_cluster(
    network, alice, cluster, follow_up
):
    lesson = lesson_add(
        user=alice,
        cluster=cluster,
        text="Start small.",
        tags=["Volunteers"],
        peer_assist=follow_up.peer_assist,
    )
    assert [t.name for t in lesson.tags.all()] == ["Volunteers"] and lesson.author == alice
    other_cluster, _ = cluster_create(user=alice, network=network, name="Other")
    with pytest.raises(ValidationError, match="another cluster"):
        lesson_add(user=alice, cluster=other_cluster, text="x", peer_assist=follow_up.peer_assist)


def test_questions_and_advice_are_captured_in_order(network, alice, follow_up):
    peer_assist = follow_up.peer_assist
    question_add(user=alice, peer_assist=peer_assist, text="Who asked first?")
    advice_add(user=alice, peer_assist=peer_assist, text="Try the library.")
    advice_add(user=alice, peer_assist=peer_assist, text="Walk at lunch.")
    assert [a.text for a in peer_assist.advice.all()] == ["Try the library.", "Walk at lunch."]
    with pytest.raises(ValidationError):
        advice_add(user=alice, peer_assist=peer_assist, text="   ")


def test_changing_a_sessions_time_bumps_its_calendar_sequence_but_notes_do_not(alice, cluster):
    session = session_create(
        user=alice, cluster=cluster, starts_at=datetime.datetime(2025, 5, 6, 9, tzinfo=datetime.UTC)
    )
    session = session_update(user=alice, session=session, notes="Good turnout.")
    assert session.sequence == 0
    session = session_update(
        user=alice, session=session, starts_at=datetime.datetime(2025, 5, 7, 9, tzinfo=datetime.UTC)
    )
    assert session.sequence == 1


def test_changing_the_assisting_group_recomputes_the_warning(network, alice, cluster):
    peer_assist, warnings = peer_assist_create(
        user=alice,
        session=SessionFactory(cluster=cluster),
        presenter=ParticipantFactory(cluster=cluster),
        challenge="Rain",
    )
    assert warnings == ["The assisting group has 0 people; a peer assist works best with 5 to 12."]
    _, warnings = peer_assist_update(user=alice, peer_assist=peer_assist, assisting=people_of(cluster, 5))
    assert warnings == []
