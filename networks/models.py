from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from weaver.lib.limits import capped


class Network(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    purpose = models.TextField(
        validators=capped("Purpose"),
        help_text="The common purpose that holds this network together, in a sentence or two.",
    )
    # Who sees what (README "Who sees what"): by default only coordinators read e-mail addresses,
    # download the network, and see the roles and introduction suggestions the metrics name.
    members_see_contacts = models.BooleanField(
        "members see e-mail addresses and may export",
        default=False,
        help_text="Everyone with a role in the network (not only coordinators) reads members' e-mail "
        "addresses and may download the network.",
    )
    members_see_roles = models.BooleanField(
        "members see roles and suggestions",
        default=False,
        help_text="Everyone with a role sees who the figures call a hub, on the edge or a gatekeeper, and "
        "the suggested introductions between people who don't know each other yet.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networks:network-detail", kwargs={"slug": self.slug})


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    REVIEWER = "reviewer", "Reviewer"
    FACILITATOR = "facilitator", "Facilitator"
    MEMBER = "member", "Member"
    # Network guardians tend a meta-network (multiscale app): they read what member networks share.
    GUARDIAN = "guardian", "Network guardian"


class NetworkRole(models.Model):
    """A user's role in one network; a user may hold several roles in the same network."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "user", "role"], name="networkrole_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.network}"


INVITATION_SALT = "networks.access-invitation"


class AccessInvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def from_token(self, token: str):
        """The invitation a link's token names, or None when the token was not signed by this site."""
        try:
            pk = signing.loads(token, salt=INVITATION_SALT)
        except signing.BadSignature:
            return None
        return self.select_related("network", "member").filter(pk=pk).first() if isinstance(pk, int) else None


class AccessInvitation(models.Model):
    """An offer of roles in a network, e-mailed to a person; the roles are given only when it is accepted.

    The link carries a token signed with the site's secret key (networks.invitations), naming this row.
    """

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("Member", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    roles = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["network", "member"])]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.network}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles)]

    @property
    def token(self) -> str:
        """What the e-mailed link carries: this row's id, signed with the site's secret key."""
        return signing.dumps(self.pk, salt=INVITATION_SALT)


class Tag(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "network", name="tag_unique_name_per_network"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def people(self):
        return self.filter(kind=Member.Kind.PERSON)

    def organisations(self):
        return self.filter(kind=Member.Kind.ORGANISATION)


class Member(models.Model):
    """A person or an organisation: an element of the network map."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    organisations = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="people",
        limit_choices_to={"kind": "organisation"},
        help_text="Organisations this person is affiliated with.",
    )
    community = models.CharField(max_length=120, blank=True, help_text="Community or place.")
    location = models.CharField(max_length=120, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="members")
    description = models.TextField(blank=True, validators=capped("Description"))
    joined_on = models.DateField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        help_text="The login of this person, if they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[organisations, tags])
    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "network",
                condition=~Q(email=""),
                name="member_unique_email_per_network",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "kind"]),
            models.Index(fields=["network", "community"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networks:member-detail", kwargs={"slug": self.network.slug, "pk": self.pk})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION


class RelationshipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)

    def involving(self, member):
        return self.filter(Q(source=member) | Q(target=member))


class Relationship(models.Model):
    """A tie between two members of the same network."""

    class Direction(models.TextChoices):
        UNDIRECTED = "undirected", "Undirected"
        DIRECTED = "directed", "Directed"
        MUTUAL = "mutual", "Mutual"

    class Provenance(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        IMPORT = "import", "Imported"
        SUGGESTION = "suggestion", "Accepted suggestion"
        FUND = "fund", "Innovation fund"
        CLUSTER = "cluster", "Learning cluster"
        SURVEY = "survey", "Survey"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="relationships")
    source = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="ties_out")
    target = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="ties_in")
    kind = models.CharField("type", max_length=60, default="knows")
    strength = models.PositiveSmallIntegerField(default=3, help_text="1 (weak) to 5 (strong).")
    direction = models.CharField(max_length=12, choices=Direction.choices, default=Direction.UNDIRECTED)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    provenance = models.CharField(max_length=12, choices=Provenance.choices, default=Provenance.MANUAL)
    provenance_detail = models.CharField(
        max_length=200, blank=True, help_text="Where it came from, e.g. the fund round or cluster."
    )
    provenance_key = models.CharField(
        max_length=80,
        blank=True,
        db_index=True,
        help_text="What brought it in, as an app's own key (a survey campaign: survey:<id>).",
    )
    confirmation = models.CharField(
        max_length=10,
        choices=[("", "Not reported"), ("reported", "Reported by one side"), ("confirmed", "Confirmed")],
        blank=True,
        default="",
        help_text="For ties members reported themselves: named by one side or by both.",
    )
    notes = models.TextField(blank=True, validators=capped("Notes"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = RelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="relationship_no_self_tie"),
            models.CheckConstraint(
                condition=Q(strength__gte=1, strength__lte=5), name="relationship_strength_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                condition=Q(ended_on__isnull=True),
                name="relationship_one_active_per_type",
            ),
        ]
        indexes = [models.Index(fields=["network", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.source} – {self.target} ({self.kind})"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    def other(self, member: Member) -> Member:
        return self.target if member.pk == self.source_id else self.source

    def end(self, *, on=None) -> None:
        self.ended_on = on or timezone.localdate()


class RelationshipReport(models.Model):
    """A member saying, in one source (a survey campaign's key), that they have this tie."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="ties_reported")
    key = models.CharField(max_length=80)
    strength = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "reporter", "key"], name="relationshipreport_unique"
            ),
        ]
        indexes = [models.Index(fields=["key", "reporter"])]

    def __str__(self) -> str:
        return f"{self.reporter_id} reports {self.relationship_id} ({self.key})"


class ImportBatch(models.Model):
    """An uploaded spreadsheet set: checked by a task (preview), then applied once by a task on confirmation.

    The row exists before either task is enqueued; the tasks record their state and progress here,
    and the periodic reconciler re-sends (or fails) a batch whose task was lost.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Waiting to be checked"
        PREVIEWING = "previewing", "Being checked"
        PREVIEWED = "previewed", "Ready to import"
        REJECTED = "rejected", "Has bad rows"
        CONFIRMING = "confirming", "Importing"
        APPLIED = "applied", "Imported"
        FAILED = "failed", "Failed"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now, help_text="Last state or progress change.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    stage = models.CharField(max_length=60, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="Counts and bad rows of the preview.")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import #{self.pk} into {self.network}"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.PREVIEWING, self.Status.CONFIRMING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return max(0, min(100, self.rows_done * 100 // self.rows_total))


class ImportFile(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.name


class Snapshot(models.Model):
    """One computation of a network's metrics, kept so change over time can be plotted.

    The row exists (queued) before its task is enqueued; pages and the API read the latest done one.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Recompute button"
        CHANGE = "change", "After changes"
        NIGHTLY = "nightly", "Nightly"
        COMMAND = "command", "Command line"
        API = "api", "API"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="snapshots")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now, help_text="Debounce: not computed before this.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While running: touched every few seconds by the worker computing it.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    method = models.JSONField(default=dict, blank=True, help_text="Exact or sampled betweenness, k, seed.")
    figures = models.JSONField(default=dict, blank=True, help_text="Per-network figures, all members.")
    view_figures = models.JSONField(
        default=dict,
        blank=True,
        help_text="People/organisations views: each one's per-network figures with its method (small).",
    )
    views = models.JSONField(
        default=dict,
        blank=True,
        help_text="People/organisations views: bridges, gatekeepers, communities (read by the map); their "
        "members' rows are MemberViewMetric, the organisations' projected ties SnapshotTies.",
    )
    bridges = models.JSONField(default=list, blank=True)
    gatekeepers = models.JSONField(default=list, blank=True)
    communities = models.JSONField(default=list, blank=True)
    suggestions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "finished_at"
        constraints = [
            # The debounce: while one computation waits, further changes join it.
            models.UniqueConstraint(
                fields=["network"], condition=Q(status="queued"), name="snapshot_one_queued_per_network"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="snapshot_progress_at_most_100"),
        ]
        indexes = [models.Index(fields=["network", "status", "-finished_at"])]

    def __str__(self) -> str:
        return f"Snapshot #{self.pk} of {self.network} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class SnapshotTies(models.Model):
    """A view's ties as the snapshot computed them, apart from the snapshot row every read touches.

    The organisations view's ties are projections (people's ties onto their organisations) that cannot
    be read back from the relationships; at 10,000 members they are ~0.6 MB, read only by the map.
    """

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="ties")
    view = models.CharField(max_length=13)
    ties = models.JSONField(default=list, blank=True, help_text="[[member id, member id, weight], ...]")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "view"], name="snapshotties_unique")]

    def __str__(self) -> str:
        return f"{self.view} ties of snapshot {self.snapshot_id}"


class MemberFigures(models.Model):
    """A member's figures in one view of a network (the names of DESIGN.md's per-member metrics)."""

    degree = models.PositiveIntegerField(default=0)
    betweenness = models.FloatField(default=0)
    closeness = models.FloatField(default=0)
    clustering = models.FloatField(default=0)
    core_number = models.PositiveIntegerField(default=0)
    community = models.IntegerField(null=True, blank=True)
    reach2 = models.PositiveIntegerField(default=0)
    constraint = models.FloatField(null=True, blank=True)
    effective_size = models.FloatField(null=True, blank=True)
    is_gatekeeper = models.BooleanField(default=False)
    triangles = models.PositiveIntegerField(default=0)
    open_triads = models.PositiveIntegerField(default=0)
    roles = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True)

    class Meta:
        abstract = True


class MemberMetric(MemberFigures):
    """One member's figures in one snapshot, all-members view, with their map position (bulk-written)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="member_metrics")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="metrics")
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-degree", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "member"], name="membermetric_unique"),
        ]
        indexes = [
            models.Index(fields=["snapshot", "-degree", "member"]),
            models.Index(fields=["snapshot", "-betweenness", "member"]),
            models.Index(fields=["snapshot", "community"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in snapshot {self.snapshot_id}"


class MemberViewMetric(MemberFigures):
    """One member's figures in a snapshot's people-only or organisations-only view (bulk-written)."""

    class View(models.TextChoices):
        PEOPLE = "people", "People only"
        ORGANISATIONS = "organisations", "Organisations only"

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="view_metrics")
    view = models.CharField(max_length=13, choices=View.choices)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="view_metrics")

    class Meta:
        ordering = ["-degree", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "view", "member"], name="memberviewmetric_unique"),
        ]
        indexes = [
            models.Index(fields=["snapshot", "view", "-degree", "member"]),
            models.Index(fields=["snapshot", "view", "-betweenness", "member"]),
            models.Index(fields=["snapshot", "view", "community"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in the {self.view} view of snapshot {self.snapshot_id}"


class SuggestionDecision(models.Model):
    """A coordinator's answer to an introduction suggestion; a dismissed pair is never suggested again."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="suggestion_decisions")
    member_a = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    member_b = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    relationship = models.ForeignKey(
        Relationship, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            # Pairs are stored with member_a < member_b so (a, b) and (b, a) are the same pair.
            models.CheckConstraint(
                condition=Q(member_a__lt=F("member_b")), name="suggestiondecision_ordered"
            ),
            models.UniqueConstraint(fields=["member_a", "member_b"], name="suggestiondecision_one_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.decision}: {self.member_a_id}–{self.member_b_id}"
