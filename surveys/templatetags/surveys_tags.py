from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html

register = template.Library()

RATING_LABELS = {
    "trust_reliability": "Reliable",
    "trust_mission": "Supports the mission",
    "trust_openness": "Open to discussion",
    "value_power": "Power and influence",
    "value_involvement": "Involvement",
    "value_resources": "Resources brought",
}


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag
def health_value(response, area):
    return getattr(response, f"health_{area}", None) if response else None


def _rating_fields(trust_fields, value_fields, nomination=None):
    return [
        (name, RATING_LABELS[name], getattr(nomination, name) if nomination else None)
        for name in (*trust_fields, *value_fields)
    ]


@register.simple_tag
def contact(question, nomination, campaign, frequencies, trust_fields, value_fields):
    """One named person on the answer page, as saved."""
    person = nomination.member or nomination.pending
    context = {
        "question": question,
        "target": f"m{nomination.member_id}" if nomination.member_id else f"p{nomination.pending_id}",
        "name": person.name,
        "organisation": (
            ", ".join(o.name for o in nomination.member.organisations.all())
            if nomination.member
            else nomination.pending.organisation
        ),
        "pending": nomination.pending_id is not None,
        "nomination": nomination,
        "campaign": campaign,
        "frequencies": frequencies,
        "rating_fields": _rating_fields(trust_fields, value_fields, nomination),
    }
    return render_to_string("surveys/_contact.html", context)


@register.simple_tag
def contact_template(campaign, frequencies, trust_fields, value_fields):
    """The markup the picker clones for a newly named person (QID, TARGET and NAME are filled in by JS)."""
    context = {
        "question": {"pk": "QID"},
        "target": "TARGET",
        "name": "NAME",
        "organisation": "ORG",
        "campaign": campaign,
        "frequencies": frequencies,
        "rating_fields": _rating_fields(trust_fields, value_fields),
    }
    return render_to_string("surveys/_contact.html", context)


@register.simple_tag
def open_invitations(network, user):
    """The open survey invitations of the logged-in person in this network (for "Your survey")."""
    from surveys.selectors import open_invitations_of

    return open_invitations_of(network=network, user=user)


@register.simple_tag
def change(value, percent=False):
    """(+0.25) after a figure: how it moved since the previous campaign; nothing without one."""
    if not isinstance(value, int | float):
        return ""  # no previous campaign (or no figure in one of them)
    shown = f"{value * 100:+.0f} points" if percent else f"{value:+.2f}"
    return format_html(' <span class="text-body-secondary small" data-testid="change">({})</span>', shown)


@register.simple_tag
def area_change(moved, area):
    return change(moved.get(f"health_{area}") if isinstance(moved, dict) else None)
