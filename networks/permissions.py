"""The one access layer: every page and API view fetches networks and their objects through here.

A user sees a network only if they hold a role in it (superusers see all); anything else is a 404,
so another network's existence is never revealed.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from networks.models import Member, Network, Relationship, Role

EDIT_ROLES = {Role.COORDINATOR}


def networks_for_user(user) -> QuerySet[Network]:
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser:
        return Network.objects.all()
    return Network.objects.filter(roles__user=user).distinct()


def roles_of(user, network: Network) -> set[str]:
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_weaver_roles", None)
    if cache is None:
        cache = user._weaver_roles = {}
    if network.pk not in cache:
        cache[network.pk] = set(network.roles.filter(user=user).values_list("role", flat=True))
    return cache[network.pk]


def can_view(user, network: Network) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user, network)))


def can_edit(user, network: Network) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user, network) & EDIT_ROLES))


def has_role(user, network: Network, role: str) -> bool:
    return user.is_authenticated and (user.is_superuser or role in roles_of(user, network))


def can_create_network(user) -> bool:
    """WEAVER_NETWORK_CREATORS: "staff" (and those a staff member gave "Can add network") or "any" login."""
    if not user.is_authenticated:
        return False
    if settings.WEAVER_NETWORK_CREATORS == "any":
        return True
    return user.is_staff or user.has_perm("networks.add_network")


def get_network_for_user(user, slug: str, *, edit: bool = False) -> Network:
    """The network, if the user may see it (and edit it, with edit=True); else 404 or PermissionDenied."""
    network = get_object_or_404(networks_for_user(user), slug=slug)
    if edit and not can_edit(user, network):
        raise PermissionDenied("Only the network's coordinators can change this.")
    return network


def get_member(network: Network, pk) -> Member:
    try:
        return Member.objects.get(network=network, pk=int(pk))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("No such member in this network.") from None


def get_relationship(network: Network, pk) -> Relationship:
    try:
        return Relationship.objects.select_related("source", "target").get(network=network, pk=int(pk))
    except (Relationship.DoesNotExist, ValueError, TypeError):
        raise Http404("No such relationship in this network.") from None
