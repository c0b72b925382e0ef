"""Access predicates for templates that other apps render too (the network's tab bar)."""

from django import template

from networks import permissions

register = template.Library()


@register.filter
def contacts_visible_to(network, user) -> bool:
    return permissions.can_see_contacts(user, network)


@register.filter
def roles_visible_to(network, user) -> bool:
    return permissions.can_see_roles(user, network)
