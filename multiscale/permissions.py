"""Access to multiscalar data, on top of networks.permissions (which decides who sees a network at all).

Prospects are a coordinator's outreach list (notes on people not yet in the network): coordinators
only; members get 403. A meta-network's shared data (scale-crossers) is read by its coordinators and
guardians; its members see the meta map's counts only. A local network's coordinators decide what it
shares and whether it stays; the other side's coordinators accept what they did not ask for.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from multiscale.models import MemberNetwork, Prospect
from networks.models import Network, Role
from networks.permissions import can_edit, has_role


def can_read_shared(user, meta: Network) -> bool:
    return can_edit(user, meta) or has_role(user, meta, Role.GUARDIAN)


def member_networks_of(network: Network) -> QuerySet[MemberNetwork]:
    """Links this network takes part in, on either side."""
    return MemberNetwork.objects.filter(Q(meta=network) | Q(local=network)).select_related("meta", "local")


def can_accept(user, link: MemberNetwork) -> bool:
    if link.status == MemberNetwork.Status.REQUESTED:
        return can_edit(user, link.meta)
    if link.status == MemberNetwork.Status.INVITED:
        return can_edit(user, link.local)
    return False


def can_change_sharing(user, link: MemberNetwork) -> bool:
    return can_edit(user, link.local)


def can_leave(user, link: MemberNetwork) -> bool:
    return can_edit(user, link.local) or can_edit(user, link.meta)


def get_member_network(network: Network, pk) -> MemberNetwork:
    try:
        return member_networks_of(network).get(pk=int(pk))
    except (MemberNetwork.DoesNotExist, ValueError, TypeError):
        raise Http404("No such member network.") from None


def get_prospect(network: Network, pk) -> Prospect:
    try:
        return Prospect.objects.select_related("reached_by", "member").get(network=network, pk=int(pk))
    except (Prospect.DoesNotExist, ValueError, TypeError):
        raise Http404("No such prospect in this network.") from None
