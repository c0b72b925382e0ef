"""Who may see and do what in funds; objects are always fetched through the network the user may see.

Coordinators manage everything; a reviewer sees only their own assignments; an applicant only the
proposals they submitted or lead. Anything else in the network is a 404, as in networks.permissions.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from funds.models import Fund, Proposal, ReviewAssignment, Round
from networks.models import Network
from networks.permissions import can_edit


def can_manage(user, network: Network) -> bool:
    return can_edit(user, network)


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def get_fund(network: Network, pk) -> Fund:
    try:
        return Fund.objects.get(network=network, pk=_pk(pk))
    except Fund.DoesNotExist:
        raise Http404("No such fund in this network.") from None


def rounds_for_user(user, network: Network) -> QuerySet[Round]:
    """Coordinators see every round; others see rounds past the draft stage."""
    rounds = Round.objects.filter(fund__network=network).select_related("fund")
    if can_manage(user, network):
        return rounds
    return rounds.exclude(status=Round.Status.DRAFT)


def get_round(user, network: Network, pk) -> Round:
    try:
        return rounds_for_user(user, network).get(pk=_pk(pk))
    except Round.DoesNotExist:
        raise Http404("No such round in this network.") from None


def proposals_for_user(user, network: Network) -> QuerySet[Proposal]:
    """All the network's proposals for coordinators; for others, the ones they applied for or review."""
    proposals = Proposal.objects.filter(round__fund__network=network).select_related(
        "round", "round__fund", "lead"
    )
    if can_manage(user, network):
        return proposals
    if not user.is_authenticated:
        return proposals.none()
    reviewing = ReviewAssignment.objects.filter(reviewer__user=user).exclude(
        status=ReviewAssignment.Status.RECUSED
    )
    return proposals.filter(
        Q(submitted_by=user) | Q(lead__user=user) | Q(pk__in=reviewing.values("proposal_id"))
    ).distinct()


def get_proposal(user, network: Network, pk) -> Proposal:
    try:
        return proposals_for_user(user, network).get(pk=_pk(pk))
    except Proposal.DoesNotExist:
        raise Http404("No such proposal in this network.") from None


def is_applicant(user, proposal: Proposal) -> bool:
    if not user.is_authenticated:
        return False
    return proposal.submitted_by_id == user.pk or (
        proposal.lead is not None and proposal.lead.user_id == user.pk
    )


def assignments_for_user(user, network: Network) -> QuerySet[ReviewAssignment]:
    """The user's own review assignments in this network (a coordinator's too: only their own)."""
    if not user.is_authenticated:
        return ReviewAssignment.objects.none()
    return ReviewAssignment.objects.filter(
        reviewer__user=user, proposal__round__fund__network=network
    ).select_related("proposal", "proposal__round", "reviewer")


def get_assignment(user, network: Network, pk) -> ReviewAssignment:
    """One of the user's own assignments; a coordinator may fetch any assignment of the network."""
    if can_manage(user, network):
        qs = ReviewAssignment.objects.filter(proposal__round__fund__network=network)
    else:
        qs = assignments_for_user(user, network)
    try:
        return qs.select_related("proposal", "proposal__round", "reviewer").get(pk=_pk(pk))
    except ReviewAssignment.DoesNotExist:
        raise Http404("No such review assignment.") from None
