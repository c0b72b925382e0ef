"""Page forms. They only parse input: the rules live in networks/services.py, whose
ValidationErrors are put back on these forms' fields by `add_service_errors`."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from networks.models import Member, Network, Relationship, Role
from weaver.lib.limits import capped

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STRENGTH_MESSAGE = "Strength must be a whole number from 1 to 5."


def strength_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1,
        max_value=5,
        label="Strength",
        help_text="1 = they have met, 5 = they work closely together.",
        error_messages={
            "min_value": STRENGTH_MESSAGE,
            "max_value": STRENGTH_MESSAGE,
            "invalid": STRENGTH_MESSAGE,
        },
        **kwargs,
    )


def add_service_errors(form: forms.Form, error: ValidationError, *, aliases: dict | None = None) -> None:
    """Attach a service's ValidationError to the form: field errors next to their field, the rest on top."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, messages)


def split_tags(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,|;]", raw or "") if part.strip()]


class NetworkCreateForm(forms.Form):
    name = forms.CharField(max_length=200, label="Network name")
    slug = forms.SlugField(
        max_length=80,
        required=False,
        label="Short web name",
        help_text="Used in the web address; leave empty to make one from the name.",
    )
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=capped("Purpose"),
        help_text="The common purpose that holds this network together, in a sentence or two.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("slug") and data.get("name"):
            data["slug"] = slugify(data["name"])[:80]
            if not data["slug"]:
                self.add_error("slug", "Please choose a short web name made of letters and numbers.")
        if data.get("slug") and Network.objects.filter(slug=data["slug"]).exists():
            self.add_error("slug", "Another network already uses this web name; please pick another.")
        return data


class NetworkEditForm(forms.Form):
    name = forms.CharField(max_length=200, label="Network name")
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=capped("Purpose"),
        help_text="The common purpose that holds this network together, in a sentence or two.",
    )
    members_see_contacts = forms.BooleanField(
        required=False,
        label=Network._meta.get_field("members_see_contacts").verbose_name.capitalize(),
        help_text="Off: only coordinators read e-mail addresses and download the network.",
    )
    members_see_roles = forms.BooleanField(
        required=False,
        label=Network._meta.get_field("members_see_roles").verbose_name.capitalize(),
        help_text="Off: only coordinators see who is a hub, on the edge or a gatekeeper, and the suggested "
        "introductions between people who don't know each other.",
    )


class MemberForm(forms.Form):
    kind = forms.ChoiceField(choices=Member.Kind.choices, label="Type", widget=forms.RadioSelect)
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    organisations = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="For people: the organisations they work with. Hold Ctrl (or ⌘) to pick several.",
    )
    community = forms.CharField(max_length=120, required=False, help_text="Community or place.")
    location = forms.CharField(max_length=120, required=False)
    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Strategies, interests or roles, separated by commas, e.g. food-access, peer-support.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, validators=capped("Description")
    )
    joined_on = forms.DateField(required=False, widget=DATE_INPUT, label="Joined the network on")

    def __init__(self, *args, network: Network, member: Member | None = None, **kwargs):
        if member is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "kind": member.kind,
                "name": member.name,
                "email": member.email,
                "organisations": list(member.organisations.all()),
                "community": member.community,
                "location": member.location,
                "tags": ", ".join(t.name for t in member.tags.all()),
                "description": member.description,
                "joined_on": member.joined_on,
            }
        kwargs["initial"] = {"kind": Member.Kind.PERSON, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        orgs = Member.objects.filter(network=network).organisations().active()
        if member is not None:
            orgs = orgs.exclude(pk=member.pk)
        self.fields["organisations"].queryset = orgs
        communities = (
            Member.objects.filter(network=network)
            .exclude(community="")
            .order_by("community")
            .values_list("community", flat=True)
            .distinct()
        )
        self.community_choices = list(communities)
        self.fields["community"].widget.attrs["list"] = "community-options"

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["tags"] = split_tags(data["tags"])
        if data["kind"] != Member.Kind.PERSON:
            data["organisations"] = []
        return data


class RelationshipCreateForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        label="Who is this member connected to?",
        empty_label="Choose a member…",
    )
    kind = forms.CharField(
        max_length=60,
        initial="knows",
        label="Type of relationship",
        help_text="e.g. knows, collaborates, advises, funds.",
    )
    strength = strength_field(initial=3)
    direction = forms.ChoiceField(
        choices=Relationship.Direction.choices,
        initial=Relationship.Direction.UNDIRECTED,
        help_text="Directed: from this member to the other one (e.g. advises).",
    )
    started_on = forms.DateField(
        required=False, widget=DATE_INPUT, label="Since", help_text="Leave empty for today."
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, validators=capped("Notes")
    )

    def __init__(self, *args, network: Network, source: Member, **kwargs):
        super().__init__(*args, **kwargs)
        # Self stays a valid choice so the service can explain why a self-tie is refused.
        field = self.fields["target"]
        field.queryset = Member.objects.filter(network=network).active()
        others = [m for m in field.queryset if m.pk != source.pk]
        field.widget.choices = [
            ("", field.empty_label),
            ("People", [(m.pk, m.name) for m in others if not m.is_organisation]),
            ("Organisations", [(m.pk, m.name) for m in others if m.is_organisation]),
        ]
        self.kind_choices = kind_suggestions(network)
        self.fields["kind"].widget.attrs["list"] = "kind-options"


class RelationshipEditForm(forms.Form):
    kind = forms.CharField(max_length=60, label="Type of relationship")
    strength = strength_field()
    direction = forms.ChoiceField(choices=Relationship.Direction.choices)
    started_on = forms.DateField(required=False, widget=DATE_INPUT, label="Since")
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, validators=capped("Notes")
    )

    def __init__(self, *args, network: Network, relationship: Relationship, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": relationship.kind,
                "strength": relationship.strength,
                "direction": relationship.direction,
                "started_on": relationship.started_on,
                "notes": relationship.notes,
            }
        super().__init__(*args, **kwargs)
        self.kind_choices = kind_suggestions(network)
        self.fields["kind"].widget.attrs["list"] = "kind-options"


class RelationshipEndForm(forms.Form):
    ended_on = forms.DateField(required=False, widget=DATE_INPUT, label="Ended on", help_text="Empty: today.")


def kind_suggestions(network: Network) -> list[str]:
    used = Relationship.objects.filter(network=network).values_list("kind", flat=True).distinct()
    return sorted(set(used) | {"knows", "collaborates", "advises", "funds", "learns with"})


ROLE_HELP = {
    "coordinator": "changes everything: members, ties, funds, clusters and who has access",
    "reviewer": "reviews the fund proposals assigned to them",
    "facilitator": "runs learning clusters: sessions, attendance, peer assists",
    "member": "looks at the network, applies to funds, takes part in clusters",
    "guardian": "in a meta-network, reads what its member networks agreed to share",
}


class AccessForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        label="Person",
        help_text="People of the network with an e-mail address. Someone without access here is e-mailed "
        "an invitation: the roles are theirs once they accept it.",
    )
    roles = forms.MultipleChoiceField(
        choices=[(value, f"{label}: {ROLE_HELP[value]}") for value, label in Role.choices],
        widget=forms.CheckboxSelectMultiple,
        label="What they may do",
        error_messages={"required": "Pick at least one role."},
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.filter(network=network).people().active().exclude(email="").order_by("name")
        )
