"""Who may see a campaign: coordinators everything; other members of the network only the aggregate
figures, and only when the campaign allows; anyone else a 404 (through networks.permissions)."""

from django.http import Http404

from networks import permissions
from networks.models import Network
from surveys.models import Campaign

AGGREGATES_FOR_MEMBERS = {Campaign.Visibility.EVERYONE, Campaign.Visibility.AGGREGATES}


def campaigns_for_user(user, network: Network):
    campaigns = Campaign.objects.filter(network=network)
    if permissions.can_edit(user, network):
        return campaigns
    return campaigns.filter(visibility__in=AGGREGATES_FOR_MEMBERS).exclude(status=Campaign.Status.DRAFT)


def get_campaign(user, network: Network, pk, *, manage: bool = True) -> Campaign:
    """The campaign if the user may manage it (or, with manage=False, read its aggregates); else 404."""
    campaigns = Campaign.objects.filter(network=network) if manage else campaigns_for_user(user, network)
    if manage and not permissions.can_edit(user, network):
        raise Http404("No such survey in this network.")
    try:
        return campaigns.select_related("network").get(pk=int(pk))
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404("No such survey in this network.") from None
