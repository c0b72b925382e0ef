"""One of everything the API serves, in alice's network, for the tests that walk every API route.

alice coordinates; bob is a member who leads a proposal and takes part in the cluster; rita reviews.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from clusters import services as cluster_services
from clusters.models import ClusterSession, FollowUp, LearningCluster, Lesson, PeerAssist
from funds import services as fund_services
from funds.models import Award, Fund, Proposal, ReviewAssignment, Reviewer, Round
from multiscale import services as multiscale_services
from multiscale.models import MemberNetwork, Prospect
from networks import services as network_services
from networks import snapshots
from networks.models import AccessInvitation, Member, Network, Relationship, Snapshot
from surveys.models import Campaign
from tests.clusters.factories import ClusterFactory, ClusterPersonFactory, ParticipantFactory, SessionFactory
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory
from tests.funds.conftest import make_reviewer, make_round, submit_proposal
from tests.surveys.factories import open_campaign


@dataclass
class ApiWorld:
    network: Network
    ids: dict = field(default_factory=dict)  # model -> the id of one object of it in the network
    tokens: dict = field(default_factory=dict)  # persona -> API token

    def id_for(self, model) -> int | None:
        return self.ids.get(model)

    def id_for_model_name(self, name: str) -> int | None:
        return next((pk for model, pk in self.ids.items() if model._meta.model_name == name), None)


def api_world(*, network: Network, alice, bob, charlie) -> ApiWorld:
    """A network with members, ties, a done snapshot, a fund with a round in review and a decided one,
    a review assignment, an award, and a cluster with a session, a peer assist, a follow-up and a lesson."""
    orgs = [OrganisationFactory(network=network, name=f"Org {c}", community=c) for c in "ABCD"]
    people = [MemberFactory(network=network, name=name, community="A") for name in ("Ana", "Ben", "Chen")]
    bob_person = MemberFactory(network=network, name="Bob Lead", user=bob, community="B")
    people[0].organisations.add(orgs[0])
    people[0].tags.create(network=network, name="diabetes")
    ties = [
        RelationshipFactory(network=network, source=people[0], target=people[1]),
        RelationshipFactory(network=network, source=people[1], target=orgs[0], kind="works with"),
        RelationshipFactory(network=network, source=people[1], target=people[2]),
    ]
    snapshot = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert snapshot.status == Snapshot.Status.DONE and snapshot.suggestions

    fund = fund_services.fund_create(user=alice, network=network, name="Valley Innovation Fund")
    decided = make_round(user=alice, fund=fund, title="Autumn round")
    funded = submit_proposal(rnd=decided, user=bob, lead=bob_person, partners=orgs[:3], title="Walking buses")
    fund_services.round_transition(user=alice, round=decided, status="review")
    award = fund_services.award_make(user=alice, proposal=funded, amount="5000")
    fund_services.round_transition(user=alice, round=decided, status="decided")

    in_review = make_round(user=alice, fund=fund, title="Spring round")
    proposal = submit_proposal(rnd=in_review, user=bob, lead=bob_person, partners=orgs[1:4], title="Gardens")
    make_reviewer(rnd=in_review, coordinator=alice, network=network, name="rita", community="D")
    fund_services.round_transition(user=alice, round=in_review, status="review")
    fund_services.reviewers_assign(user=alice, round=in_review)
    assignment = ReviewAssignment.objects.get(proposal=proposal)
    rita = assignment.reviewer.user

    cluster = ClusterFactory(network=network, name="Walking groups")
    participants = [ParticipantFactory(cluster=cluster, organisation=org) for org in orgs[:3]]
    ClusterPersonFactory(cluster=cluster, person=bob_person)
    session = SessionFactory(cluster=cluster)
    peer_assist, _ = cluster_services.peer_assist_create(
        user=alice, session=session, presenter=participants[0], challenge="Rain"
    )
    follow_up = cluster_services.followup_add(user=alice, peer_assist=peer_assist, action="Buy umbrellas")
    lesson = cluster_services.lesson_add(user=alice, cluster=cluster, text="Meet indoors in winter.")
    campaign = open_campaign(network=network, user=alice)
    invitation = network_services.access_set(
        user=alice, network=network, member=people[2], roles={"member"}
    ).invitation

    prospect = multiscale_services.prospect_create(user=alice, network=network, name="Zoe", why="new_ideas")
    neighbour = Network.objects.create(name="Neighbours", slug="neighbours", purpose="Next valley.")
    member_network = multiscale_services.member_network_invite(
        user=alice, meta=network, local_slug=neighbour.slug, sharing="people"
    )

    return ApiWorld(
        network=network,
        ids={
            Network: network.pk,
            Member: people[0].pk,
            Relationship: ties[0].pk,
            Snapshot: snapshot.pk,
            get_user_model(): bob.pk,
            Fund: fund.pk,
            Round: in_review.pk,
            Proposal: proposal.pk,
            ReviewAssignment: assignment.pk,
            Reviewer: assignment.reviewer.pk,
            Award: award.pk,
            LearningCluster: cluster.pk,
            ClusterSession: session.pk,
            PeerAssist: peer_assist.pk,
            FollowUp: follow_up.pk,
            Lesson: lesson.pk,
            AccessInvitation: invitation.pk,
            Campaign: campaign.pk,
            Prospect: prospect.pk,
            MemberNetwork: member_network.pk,
        },
        tokens={
            persona: Token.objects.create(user=user).key
            for persona, user in (("alice", alice), ("bob", bob), ("rita", rita), ("charlie", charlie))
        },
    )
