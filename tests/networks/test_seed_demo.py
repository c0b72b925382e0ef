import io
from itertools import combinations

import networkx as nx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from clusters import demo as clusters_demo
from clusters.models import (
    Attendance,
    ClusterSession,
    FollowUp,
    LearningCluster,
    Lesson,
    PeerAssist,
    SessionTieEffect,
)
from clusters.selectors import cluster_warnings
from funds import demo as funds_demo
from funds.models import (
    Award,
    Fund,
    GranteeReport,
    Proposal,
    Review,
    ReviewAssignment,
    ReviewScore,
    Round,
)
from funds.selectors import round_conflicts
from networks import permissions
from networks.management.commands.seed_demo import SLUG
from networks.models import Member, Network, NetworkRole, Relationship, Role, Snapshot

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module inside a transaction rolled back at its end
    (as Django's TestCase.setUpTestData does); each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


def active_graph(network: Network, *, before_fund_and_cluster: bool = False) -> nx.Graph:
    """The metric graph; with before_fund_and_cluster, only the ties typed in by hand (the base network)."""
    graph = nx.Graph()
    members = network.members.active()
    ties = Relationship.objects.active().filter(
        network=network, source__archived_at__isnull=True, target__archived_at__isnull=True
    )
    if before_fund_and_cluster:
        members = members.exclude(fund_partnerships__is_newcomer=True)
        ties = ties.filter(provenance=Relationship.Provenance.MANUAL)
    graph.add_nodes_from(members.values_list("pk", flat=True))
    graph.add_edges_from(ties.values_list("source_id", "target_id"))
    return graph


def half_of(member: Member) -> str:
    """Which of the base network's two clusters a member belongs to: the Upper Valley or the rest."""
    community = member.community or member.organisations.values_list("community", flat=True).first()
    return "upper" if community == "Upper Valley" else "lower"


def demo_round(status: str) -> Round:
    return Round.objects.get(fund__network__slug=SLUG, status=status)


def login(username: str):
    return get_user_model().objects.get(username=username)


def fingerprint() -> tuple:
    counted = [
        Network, NetworkRole, Member, Relationship, Snapshot, Fund, Round, Proposal, ReviewAssignment,
        Review, ReviewScore, Award, GranteeReport, LearningCluster, ClusterSession, Attendance,
        SessionTieEffect, PeerAssist, FollowUp, Lesson,
    ]  # fmt: skip
    return (
        *(model.objects.count() for model in counted),
        get_history_model_for_model(Member).objects.count(),
        get_history_model_for_model(Relationship).objects.count(),
        get_user_model().objects.count(),
        list(get_user_model().objects.values_list("username", "password", "email").order_by("username")),
        list(Member.objects.filter(user__isnull=False).values_list("pk", "user_id").order_by("pk")),
    )


def test_the_demo_network_has_the_promised_size_and_shape(demo, db):
    network = Network.objects.get(slug=SLUG)
    members = network.members.active()
    assert 60 <= members.people().count() <= 80
    assert 10 <= members.organisations().count() <= 14
    # Only the organisation the fund brought in joined without a community, as newcomers do.
    assert set(members.values_list("community", flat=True)) - {""} == {
        "Upper Valley",
        "Lower Valley",
        "Riverside",
    }
    assert {m.name for m in members.filter(community="")} == {"Millbrook Community Kitchen"}
    assert (
        150 <= network.relationships.active().filter(provenance=Relationship.Provenance.MANUAL).count() <= 250
    )
    assert network.relationships.filter(ended_on__isnull=False).exists()
    assert network.members.filter(archived_at__isnull=False).exists()
    assert network.tags.filter(name="food-access").exists() and network.tags.count() >= 10
    emails = list(members.people().values_list("email", flat=True))
    assert len(set(emails)) == len(emails) and all(emails)


def test_seeding_twice_changes_nothing(demo, db):
    before = fingerprint()
    output = seed()
    assert fingerprint() == before
    assert "already loaded" in output


def test_before_the_fund_and_the_cluster_the_two_halves_are_joined_through_one_bridge_person(demo, db):
    graph = active_graph(Network.objects.get(slug=SLUG), before_fund_and_cluster=True)
    assert nx.is_connected(graph)
    splitters = []
    for person in nx.articulation_points(graph):
        rest = graph.copy()
        rest.remove_node(person)
        sizes = sorted((len(part) for part in nx.connected_components(rest)), reverse=True)
        if sizes[1] >= 20:
            splitters.append(person)
    assert len(splitters) == 1
    assert Member.objects.get(pk=splitters[0]).kind == Member.Kind.PERSON


def test_there_are_hubs_whose_contacts_mostly_do_not_know_each_other_and_a_periphery(demo, db):
    graph = active_graph(Network.objects.get(slug=SLUG), before_fund_and_cluster=True)
    clustering = nx.clustering(graph)
    hubs = [n for n, degree in graph.degree() if degree >= 12 and clustering[n] < 0.2]
    assert len(hubs) >= 2
    assert sum(1 for _, degree in graph.degree() if degree == 1) >= 8


def test_the_fund_and_the_cluster_weave_ties_across_the_two_halves(demo, db):
    network = Network.objects.get(slug=SLUG)
    woven = Relationship.objects.active().filter(
        network=network, provenance__in=[Relationship.Provenance.FUND, Relationship.Provenance.CLUSTER]
    )
    across = {
        t.provenance
        for t in woven.select_related("source", "target")
        if half_of(t.source) != half_of(t.target)
    }
    assert across == {Relationship.Provenance.FUND, Relationship.Provenance.CLUSTER}
    graph = active_graph(network)
    assert nx.is_connected(graph)
    bridge = Member.objects.get(network=network, user=login("facilitator"))
    rest = graph.copy()
    rest.remove_node(bridge.pk)
    assert nx.is_connected(rest), "the bridge person is no longer the only way between the halves"


def test_the_decided_round_awarded_within_its_budget_and_wove_its_partners_into_the_network(demo, db):
    rnd = demo_round(Round.Status.DECIDED)
    assert rnd.fund.name == "Healthy Valleys Innovation Fund"
    assert rnd.closes_on < timezone.localdate() and rnd.decided_at is not None
    assert rnd.criteria.count() == 3 and len({c.weight for c in rnd.criteria.all()}) == 3
    proposals = list(rnd.proposals.prefetch_related("partners"))
    assert 6 <= len(proposals) <= 8
    assert all(p.partners.count() >= 3 for p in proposals)
    awards = list(Award.objects.filter(proposal__round=rnd))
    assert len(awards) >= 3
    assert sum(a.amount for a in awards) == rnd.awarded_total <= rnd.budget
    assert all(rnd.grant_min <= a.amount <= rnd.grant_max for a in awards)
    assert rnd.grant_min >= 1500 and rnd.grant_max <= 8000 and 25000 <= rnd.budget <= 35000
    declined = rnd.proposals.filter(status=Proposal.Status.DECLINED)
    reasons = set(declined.values_list("decline_reason", flat=True))
    assert len(reasons) == 2 and "Not selected within this round's budget." in reasons
    assert not rnd.proposals.filter(status=Proposal.Status.SUBMITTED).exists()

    assignments = ReviewAssignment.objects.filter(proposal__round=rnd)
    assert set(assignments.values_list("status", flat=True)) == {ReviewAssignment.Status.SUBMITTED}
    loads = {}
    for reviewer_id in assignments.values_list("reviewer_id", flat=True):
        loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
    assert set(loads.values()) <= {2, 3} and len(loads) == rnd.reviewers.count()
    assert all(p.assignments.count() == rnd.reviews_per_proposal for p in proposals)
    assert not assignments.filter(by_hand=True).exists()
    means = {round(r.weighted_mean(), 2) for r in Review.objects.filter(assignment__proposal__round=rnd)}
    assert len(means) >= 5 and min(means) < 3 < max(means)
    assert Review.objects.filter(assignment__proposal__round=rnd).exclude(comment="").count() == len(
        assignments
    )

    # Every pair of a funded project's partners is tied now, the newcomer among them, with provenance.
    newcomer = Member.objects.get(network=rnd.fund.network, name="Millbrook Community Kitchen")
    assert (
        newcomer.kind == Member.Kind.ORGANISATION and "Cooking together after school" in newcomer.description
    )
    for award in awards:
        partners = [p.organisation for p in award.proposal.partners.select_related("organisation")]
        assert all(partners)
        for a, b in combinations(partners, 2):
            tie = Relationship.objects.active().filter(
                source__in=[a, b], target__in=[a, b], kind="collaboration", provenance="fund"
            )
            assert tie.exists(), (a, b)
    report = GranteeReport.objects.get(award__proposal__round=rnd)
    assert report.kind == GranteeReport.Kind.MIDPOINT and report.submitted_by == login("member")
    assert report.award.proposal.lead.user == login("member")


def test_the_round_in_review_has_reviews_done_and_the_reviewer_login_has_one_waiting(demo, db):
    rnd = demo_round(Round.Status.REVIEW)
    assert rnd.closes_on < timezone.localdate() <= rnd.review_deadline
    assert set(rnd.proposals.values_list("status", flat=True)) == {Proposal.Status.SUBMITTED}
    assert rnd.design_group.count() == 3
    assignments = ReviewAssignment.objects.filter(proposal__round=rnd)
    statuses = list(assignments.values_list("status", flat=True))
    assert (
        statuses.count(ReviewAssignment.Status.SUBMITTED)
        > statuses.count(ReviewAssignment.Status.ASSIGNED)
        > 0
    )
    mine = assignments.filter(reviewer__user=login("reviewer"))
    assert mine.filter(status=ReviewAssignment.Status.ASSIGNED).exists()
    assert mine.filter(status=ReviewAssignment.Status.SUBMITTED).exists()
    assert not set(assignments.values_list("reviewer_id", "proposal_id")) & set(round_conflicts(rnd))
    # Nobody is e-mailed about a demo: the assignments count as notified already.
    assert not assignments.filter(status=ReviewAssignment.Status.ASSIGNED, notified_at__isnull=True).exists()
    assert rnd.awarded_total == 0


def test_the_cluster_has_held_sessions_with_attendance_a_peer_assist_lessons_and_one_to_come(demo, db):
    cluster = LearningCluster.objects.get(network__slug=SLUG)
    assert cluster.name == clusters_demo.NAME and cluster.status == LearningCluster.Status.ACTIVE
    assert list(cluster.facilitators.all()) == [login("facilitator")]
    tag = cluster.strategy_tags.get()
    assert Member.objects.organisations().filter(network=cluster.network, tags=tag).count() >= 2
    assert 6 <= cluster.participants.count() <= 8 and cluster.people.count() >= 8
    assert cluster_warnings(cluster=cluster) == []
    now = timezone.now()
    held = cluster.sessions.filter(starts_at__lte=now)
    assert held.count() == 3 and cluster.sessions.filter(starts_at__gt=now).count() == 1
    for session in held:
        assert 5 <= session.attendance.filter(attended=True).count() < cluster.people.count()
    assert not Attendance.objects.filter(session__cluster=cluster, session__starts_at__gt=now).exists()
    learning = Relationship.objects.active().filter(
        network=cluster.network, provenance="cluster", kind="learning"
    )
    assert learning.count() >= 20 and learning.filter(strength__gte=2).exists()

    peer_assist = PeerAssist.objects.get(session__cluster=cluster)
    assert peer_assist.session.starts_at < now and 5 <= peer_assist.assisting.count() <= 12
    assert peer_assist.questions.count() >= 3 and peer_assist.advice.count() >= 3
    assert set(peer_assist.follow_ups.values_list("status", flat=True)) == set(FollowUp.Status.values)
    lessons = Lesson.objects.filter(cluster=cluster)
    assert 3 <= lessons.count() <= 4 and lessons.filter(peer_assist=peer_assist).exists()
    assert all(lesson.tags.exists() and lesson.author == login("facilitator") for lesson in lessons)
    member = Member.objects.get(user=login("member"))
    assert cluster.people.filter(person=member).exists()


def test_the_demo_logins_have_the_right_roles_are_linked_to_people_and_are_printed(demo, db):
    network = Network.objects.get(slug=SLUG)
    coordinator, member = login("coordinator"), login("member")
    assert all(
        login(name).check_password("weaver-demo")
        for name in ("coordinator", "reviewer", "facilitator", "member")
    )
    assert permissions.can_edit(coordinator, network)
    assert permissions.has_role(member, network, Role.MEMBER) and not permissions.can_edit(member, network)
    # Starting networks is for staff and those they allow (WEAVER_NETWORK_CREATORS): the demo allows Cora.
    assert permissions.can_create_network(coordinator) and not permissions.can_create_network(member)
    for name, role in (
        ("reviewer", Role.REVIEWER),
        ("facilitator", Role.FACILITATOR),
        ("member", Role.MEMBER),
    ):
        user = login(name)
        assert permissions.roles_of(user, network) == {role}
        person = Member.objects.get(network=network, user=user)
        assert person.kind == Member.Kind.PERSON and person.email == user.email
        assert f"{name:<11} / weaver-demo   ({person.name}: " in demo
    assert "coordinator / weaver-demo" in demo and "http://127.0.0.1:8000/" in demo
    assert "1 fund with 2 rounds (1 decided, 1 in review); 1 learning cluster." in demo


def test_missing_demo_users_come_back_with_the_password_from_the_environment(demo, db, monkeypatch):
    # The coordinator and the member cannot be deleted while the fund holds their awards and proposals.
    people = {name: Member.objects.get(user=login(name)) for name in ("reviewer", "facilitator")}
    get_user_model().objects.filter(username__in=people).delete()
    monkeypatch.setenv("WEAVER_DEMO_PASSWORD", "s3cret-demo")
    output = seed()
    network = Network.objects.get(slug=SLUG)
    for name, person in people.items():
        user = login(name)
        assert user.check_password("s3cret-demo")
        assert Member.objects.get(network=network, user=user) == person
        assert f"{name:<11} / s3cret-demo" in output
    assert permissions.has_role(login("facilitator"), network, Role.FACILITATOR)


def test_the_demo_is_the_same_on_every_run(demo, db):
    """Same people, ties, proposals, decisions and attendance. Who reviews what can differ when reseeding
    into a used database: funds.assignment breaks ties between equally good plans by the rows' ids."""

    def content():
        per_proposal = sorted((p.title, p.assignments.count()) for p in Proposal.objects.all())
        statuses = sorted(ReviewAssignment.objects.values_list("status", flat=True))
        loads = sorted(
            ReviewAssignment.objects.values("reviewer").annotate(n=Count("id")).values_list("n", flat=True)
        )
        return (
            sorted(Member.objects.values_list("name", "email", "community", "location", "user__username")),
            sorted(Proposal.objects.values_list("round__title", "title", "lead__name", "status", "amount")),
            sorted(Award.objects.values_list("proposal__title", "amount")),
            per_proposal,
            statuses,
            loads,
            sorted(Attendance.objects.values_list("session__title", "person__name", "attended")),
            sorted(
                Relationship.objects.active().values_list("source__name", "target__name", "kind", "strength")
            ),
            sorted(Lesson.objects.values_list("text", flat=True)),
        )

    first = content()
    # Awards protect their proposals, and proposals their organisations: the fund goes first.
    Award.objects.all().delete()
    Fund.objects.all().delete()
    Network.objects.all().delete()
    seed()
    assert content() == first


PAGES = [
    (
        "coordinator",
        "funds:fund-list",
        None,
        [funds_demo.FUND_NAME, funds_demo.DECIDED["title"], funds_demo.IN_REVIEW["title"]],
    ),
    (
        "coordinator",
        "funds:round-detail",
        Round.Status.DECIDED,
        ["Millbrook Community Kitchen", "Market stops in Riverside and Kelso"],
    ),
    (
        "coordinator",
        "funds:round-ranking",
        Round.Status.DECIDED,
        ["Produce prescriptions at the clinic door", "Healthy vending at the library"],
    ),
    ("coordinator", "funds:round-ranking", Round.Status.REVIEW, ["Walking school bus for Southbank"]),
    ("member", "funds:fund-list", None, ["Pantry to pharmacy: diabetes-friendly food boxes"]),
    ("member", "clusters:cluster-list", None, [clusters_demo.NAME]),
    (
        "facilitator",
        "clusters:cluster-detail",
        "cluster",
        [clusters_demo.NAME, "Peer assist: the second visit", "School holidays"],
    ),
    (
        "facilitator",
        "clusters:handbook-html",
        "cluster",
        ["A second visit is won at the first one", "Families come to our Thursday pantry"],
    ),
]


@pytest.mark.parametrize(("username", "page", "target", "expected"), PAGES)
def test_each_demo_login_opens_its_pages_and_sees_the_demo(
    demo, db, client, username, page, target, expected
):
    assert client.login(request=RequestFactory().post("/"), username=username, password="weaver-demo")
    kwargs = {"slug": SLUG}
    if target == "cluster":
        kwargs["pk"] = LearningCluster.objects.get(network__slug=SLUG).pk
    elif target:
        kwargs["pk"] = demo_round(target).pk
    response = client.get(reverse(page, kwargs=kwargs))
    assert response.status_code == 200
    text = response.content.decode()
    for snippet in expected:
        assert snippet.replace("'", "&#x27;") in text or snippet in text, snippet


def test_the_reviewer_login_finds_its_waiting_review_on_my_reviews(demo, db, client):
    waiting = ReviewAssignment.objects.get(
        reviewer__user=login("reviewer"), status=ReviewAssignment.Status.ASSIGNED
    )
    assert client.login(request=RequestFactory().post("/"), username="reviewer", password="weaver-demo")
    response = client.get(reverse("funds:my-reviews", kwargs={"slug": SLUG}))
    assert response.status_code == 200
    text = response.content.decode()
    assert waiting.proposal.title in text
    assert reverse("funds:review-form", kwargs={"slug": SLUG, "pk": waiting.pk}) in text
