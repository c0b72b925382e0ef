"""A network where something waits for every role: used by the next-steps tests and the browser test."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from clusters import services as cluster_services
from clusters.models import LearningCluster
from funds import services as fund_services
from funds.models import ReviewAssignment
from networks.models import AccessInvitation, ImportBatch, Role, Snapshot
from networks.services import role_grant
from tests.clusters.factories import ClusterPersonFactory, ParticipantFactory, SessionFactory
from tests.factories import MemberFactory, OrganisationFactory, UserFactory
from tests.funds.conftest import make_round, submit_proposal


@dataclass
class World:
    review_round: object
    draft_round: object
    proposals: list
    assignments: list
    cluster: LearningCluster
    upcoming: object
    past: list
    batch: ImportBatch
    reviewer: object
    facilitator: object


def build(*, network, alice, bob) -> World:
    today = datetime.date.today()
    fund = fund_services.fund_create(user=alice, network=network, name="Valley Innovation Fund")
    orgs = [OrganisationFactory(network=network, name=f"Org {c}", community=c) for c in "ABC"]
    lead = MemberFactory(network=network, name="Bob Lead", user=bob, community="A")
    role_grant(network=network, user=bob, role=Role.MEMBER)
    review_round = make_round(user=alice, fund=fund, title="Spring round")
    proposals = [
        submit_proposal(rnd=review_round, user=bob, lead=lead, partners=orgs, title=title)
        for title in ("Walking buses", "Street kitchens")
    ]
    fund_services.round_transition(user=alice, round=review_round, status="review")
    rita = UserFactory(username="rita")
    MemberFactory(network=network, name="Rita Reviewer", user=rita, community="Z")
    reviewer = fund_services.reviewer_add(user=alice, round=review_round, reviewer_user=rita)
    # Set by hand: the point here is what waits, not who the matcher would pick.
    assignments = [
        ReviewAssignment.objects.create(proposal=p, reviewer=reviewer, by_hand=True) for p in proposals
    ]
    draft_round = make_round(
        user=alice,
        fund=fund,
        status="draft",
        title="Autumn round",
        opens_on=today - datetime.timedelta(days=1),
    )

    fiona = UserFactory(username="fiona")
    role_grant(network=network, user=fiona, role=Role.FACILITATOR)
    cluster = cluster_services.cluster_create(
        user=alice, network=network, name="Walking groups", facilitators=[fiona]
    ).value
    participant = ParticipantFactory(cluster=cluster, organisation=orgs[0])
    ClusterPersonFactory(cluster=cluster, person=lead, participant=participant)
    now = timezone.now()
    past = [
        SessionFactory(cluster=cluster, title=f"Past session {n}", starts_at=now - datetime.timedelta(days=n))
        for n in (14, 7)
    ]
    upcoming = SessionFactory(
        cluster=cluster, title="Next meeting", starts_at=now + datetime.timedelta(days=3)
    )
    assist = cluster_services.peer_assist_create(
        user=fiona, session=past[0], presenter=participant, challenge="Keeping volunteers."
    )
    assist = getattr(assist, "value", assist)
    for action in ("Call the school", "Share the rota"):
        cluster_services.followup_add(user=fiona, peer_assist=assist, action=action)

    a, b, c = (MemberFactory(network=network, name=n) for n in ("Ana", "Ben", "Cy"))
    invitee = MemberFactory(network=network, name="Ivy Invited")
    AccessInvitation.objects.create(
        network=network, member=invitee, email=invitee.email, roles=["member"], created_by=alice,
        expires_at=now + datetime.timedelta(days=14),
    )  # fmt: skip
    computed = timezone.now()
    Snapshot.objects.create(
        network=network,
        status=Snapshot.Status.DONE,
        started_at=computed,
        finished_at=computed,
        suggestions=[
            {"a": a.pk, "b": b.pk, "kind": "triangle", "shared": 1},
            {"a": a.pk, "b": c.pk, "kind": "triangle", "shared": 1},
        ],
    )
    batch = ImportBatch.objects.create(network=network, created_by=alice, status=ImportBatch.Status.PREVIEWED)
    return World(
        review_round=review_round,
        draft_round=draft_round,
        proposals=proposals,
        assignments=assignments,
        cluster=cluster,
        upcoming=upcoming,
        past=past,
        batch=batch,
        reviewer=rita,
        facilitator=fiona,
    )
