from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from networks.models import Member, Network
from weaver.lib.limits import capped


class Prospect(models.Model):
    """Someone a network wants on its edge: a person or an organisation it is reaching out to."""

    class Why(models.TextChoices):
        NEW_IDEAS = "new_ideas", "Brings new ideas from elsewhere"
        INTERESTED = "interested", "Interested in our work"
        OTHER_SECTOR = "other_sector", "Another sector or discipline"

    class Status(models.TextChoices):
        IDENTIFIED = "identified", "Identified"
        CONTACTED = "contacted", "Contacted"
        TALKING = "talking", "Talking"
        JOINED = "joined", "Joined"
        NOT_NOW = "not_now", "Not now"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="prospects")
    kind = models.CharField(max_length=20, choices=Member.Kind.choices, default=Member.Kind.PERSON)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    why = models.CharField(max_length=20, choices=Why.choices)
    reached_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prospects_reached",
        help_text="The member who reaches out.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IDENTIFIED)
    identified_on = models.DateField(default=timezone.localdate)
    status_changed_on = models.DateField(default=timezone.localdate)
    notes = models.TextField(blank=True, validators=capped("Notes"))
    member = models.OneToOneField(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="prospect"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["network", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("multiscale:prospect-edit", kwargs={"slug": self.network.slug, "pk": self.pk})


class ProspectStep(models.Model):
    """One change of a prospect's status: the prospect's history, kept after it joins."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=12, choices=Prospect.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Prospect.Status.choices)
    on = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class MetaNetwork(models.Model):
    """Marks a network as a meta-network: a network whose members include other networks."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="meta")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.network} (meta-network)"


class Sharing(models.TextChoices):
    FIGURES = "figures", "Figures only"
    ORGANISATIONS = "organisations", "Organisations"
    PEOPLE = "people", "People and ties"


class MemberNetwork(models.Model):
    """A local network in a meta-network, under a sharing agreement. Deleted when it leaves."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested by the local network"
        INVITED = "invited", "Invited by the meta-network"
        ACTIVE = "active", "Member"

    meta = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="member_networks")
    local = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="meta_memberships")
    sharing = models.CharField(max_length=16, choices=Sharing.choices, default=Sharing.FIGURES)
    status = models.CharField(max_length=12, choices=Status.choices)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meta__name", "local__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meta", "local"], name="membernetwork_unique"),
            models.CheckConstraint(condition=~Q(meta=F("local")), name="membernetwork_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.local} in {self.meta}"

    @property
    def shares_people(self) -> bool:
        return self.status == self.Status.ACTIVE and self.sharing == Sharing.PEOPLE

    @property
    def shares_organisations(self) -> bool:
        return self.status == self.Status.ACTIVE and self.sharing in (Sharing.PEOPLE, Sharing.ORGANISATIONS)


class OrganisationMatch(models.Model):
    """A meta-network's steward confirmed that organisations with this name in several networks are one.

    Only the folded name is kept, and only while it still crosses networks that share organisations:
    leaving or narrowing an agreement deletes the confirmations it no longer supports.
    """

    meta = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="organisation_matches")
    key = models.CharField(max_length=200)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meta", "key"], name="organisationmatch_unique")]

    def __str__(self) -> str:
        return f"{self.key} in {self.meta}"
