from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from networks.models import Member, Network, Tag
from weaver.lib import limits
from weaver.lib.limits import capped

# The size rules of DESIGN.md: outside these the app warns but allows.
CLUSTER_SIZE = (6, 12)
ASSISTING_GROUP_SIZE = (5, 12)


class LearningCluster(models.Model):
    """A community of practice: 6–12 organisations or local projects working on a similar strategy."""

    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(max_length=200)
    strategy_tags = models.ManyToManyField(
        Tag, blank=True, related_name="clusters", help_text="The strategies or topics the cluster works on."
    )
    description = models.TextField(
        blank=True, validators=capped("Description"), help_text="The cluster's purpose, in a few sentences."
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_clusters"
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    learning_ties_enabled = models.BooleanField(
        default=True,
        help_text="Attending a session together creates or strengthens a 'learning' tie on the network map.",
    )
    from_round = models.ForeignKey(
        "funds.Round",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clusters",
        help_text="The fund round whose grantees formed this cluster.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="cluster_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clusters:cluster-detail", kwargs={"slug": self.network.slug, "pk": self.pk})

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "A cluster cannot end before it starts."})

    @property
    def tie_label(self) -> str:
        """How the cluster is named in the provenance of the ties it creates."""
        return f"Learning cluster #{self.pk}: {self.name}"[:200]


class ClusterParticipant(models.Model):
    """An organisation of the network, or a local project known only by name, taking part in a cluster."""

    cluster = models.ForeignKey(LearningCluster, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cluster_participations",
        limit_choices_to={"kind": Member.Kind.ORGANISATION},
    )
    project_name = models.CharField(
        max_length=200, blank=True, help_text="A local project that is not an organisation on the map."
    )
    community = models.CharField(
        max_length=120, blank=True, help_text="For a local project; an organisation's own community is used."
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(project_name=""),
                name="participant_is_organisation_or_project",
            ),
            models.UniqueConstraint(
                fields=["cluster", "organisation"],
                condition=Q(organisation__isnull=False),
                name="participant_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.organisation.name if self.organisation_id else self.project_name

    @property
    def effective_community(self) -> str:
        return self.organisation.community if self.organisation_id else self.community


class ClusterPerson(models.Model):
    """A person who takes part in a cluster, usually on behalf of one of its participants."""

    cluster = models.ForeignKey(LearningCluster, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="cluster_memberships",
        limit_choices_to={"kind": Member.Kind.PERSON},
    )
    participant = models.ForeignKey(
        ClusterParticipant, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "person"], name="clusterperson_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.cluster}"


class ClusterSession(models.Model):
    class Mode(models.TextChoices):
        VIRTUAL = "virtual", "Virtual"
        IN_PERSON = "in_person", "In person"

    cluster = models.ForeignKey(LearningCluster, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=90)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.VIRTUAL)
    location = models.CharField(max_length=255, blank=True, help_text="Address, for a session in person.")
    link = models.URLField(blank=True, help_text="Video call link, for a virtual session.")
    agenda = models.TextField(blank=True, validators=capped("Agenda", limits.NOTES))
    notes = models.TextField(blank=True, validators=capped("Notes", limits.NOTES))
    # RFC 5545 SEQUENCE: bumped when the time or place changes, so calendars update the invitation.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="session_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse(
            "clusters:session-detail",
            kwargs={"slug": self.cluster.network.slug, "pk": self.cluster_id, "session_pk": self.pk},
        )

    @property
    def display_title(self) -> str:
        return self.title or f"{self.cluster.name} session"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def join_url(self) -> str:
        """The link when it is a web address: a javascript: URL that bypassed the forms is never a link."""
        return self.link if self.link.lower().startswith(("https://", "http://")) else ""


class Attendance(models.Model):
    """Whether a person actually attended a session (not an RSVP)."""

    session = models.ForeignKey(ClusterSession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendance")
    attended = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_unique_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {'attended' if self.attended else 'missed'} {self.session}"


class SessionTieEffect(models.Model):
    """Records that a session already created or strengthened the learning tie of one pair of attendees.

    The unique constraint is what makes attendance idempotent: a pair gets the effect of a session once,
    however often its attendance is saved.
    """

    session = models.ForeignKey(ClusterSession, on_delete=models.CASCADE, related_name="tie_effects")
    person_a = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    relationship = models.ForeignKey(
        "networks.Relationship", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_tie = models.BooleanField(
        help_text="True when the session created the tie, False when it strengthened it."
    )
    strength_added = models.PositiveSmallIntegerField(
        default=1,
        help_text="How much strength the session added to an existing tie (0 when it created the tie "
        "or the tie was already at its strongest); unticking takes back exactly this.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person_a", "person_b"], name="tieeffect_once_per_pair"
            ),
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="tieeffect_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.person_a} – {self.person_b} at {self.session}"


class SessionInvitation(models.Model):
    """An invitation email sent for one version (sequence) of a session: re-sending is a no-op."""

    session = models.ForeignKey(ClusterSession, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person", "sequence"], name="invitation_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.person} for {self.session}"


class PeerAssist(models.Model):
    """One project presents a challenge; an assisting group of 5–12 people asks questions and advises."""

    session = models.ForeignKey(ClusterSession, on_delete=models.CASCADE, related_name="peer_assists")
    presenter = models.ForeignKey(ClusterParticipant, on_delete=models.CASCADE, related_name="peer_assists")
    challenge = models.TextField(validators=capped("Challenge"))
    assisting = models.ManyToManyField(Member, blank=True, related_name="peer_assists_given")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session__starts_at", "id"]

    def __str__(self) -> str:
        return f"Peer assist for {self.presenter}"

    @property
    def cluster(self) -> LearningCluster:
        return self.session.cluster


class PeerAssistQuestion(models.Model):
    peer_assist = models.ForeignKey(PeerAssist, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(validators=capped("Question"))
    asked_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class AdviceItem(models.Model):
    peer_assist = models.ForeignKey(PeerAssist, on_delete=models.CASCADE, related_name="advice")
    text = models.TextField(validators=capped("Advice"))
    given_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class FollowUp(models.Model):
    """An action agreed in a peer assist, with an owner, a due date and a status."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    # Done and dropped actions can be reopened; nothing jumps straight from done to dropped or back.
    TRANSITIONS = {
        Status.OPEN: {Status.DONE, Status.DROPPED},
        Status.DONE: {Status.OPEN},
        Status.DROPPED: {Status.OPEN},
    }

    peer_assist = models.ForeignKey(PeerAssist, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.TextField(validators=capped("Action"))
    owner = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.action[:60]

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def move_to(self, status: str) -> None:
        if status == self.status:
            return
        if not self.can_move_to(status):
            raise ValidationError(
                {"status": f"A follow-up that is {self.get_status_display().lower()} cannot become {status}."}
            )
        self.status = status
        self.closed_at = None if status == self.Status.OPEN else timezone.now()


class Lesson(models.Model):
    """A short note of what the cluster learned, written as it goes."""

    cluster = models.ForeignKey(LearningCluster, on_delete=models.CASCADE, related_name="lessons")
    text = models.TextField(validators=capped("Lesson"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="lessons")
    peer_assist = models.ForeignKey(
        PeerAssist, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]
