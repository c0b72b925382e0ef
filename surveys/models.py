"""Survey campaigns: members report their own ties (name generators), rate them and the network's health.

The answers live here; the ties they imply live in networks as Relationships with provenance
"survey" (written only through networks.services).
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from networks.models import Member, Network
from weaver.lib.limits import capped

TRUST_FIELDS = ("trust_reliability", "trust_mission", "trust_openness")
VALUE_FIELDS = ("value_power", "value_involvement", "value_resources")
HEALTH_AREAS = (
    ("purpose", "Common purpose"),
    ("structure", "Co-operative structure"),
    ("mass", "Critical mass"),
    ("intelligence", "Collective intelligence"),
    ("community", "Sense of community"),
)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Visibility(models.TextChoices):
        EVERYONE = "everyone", "Everyone in the network sees the survey ties"
        COORDINATORS = "coordinators", "Only coordinators see the survey ties"
        AGGREGATES = "aggregates", "Members see only aggregate figures"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="survey_campaigns")
    title = models.CharField(max_length=200)
    intro = models.TextField(
        blank=True, validators=capped("Intro"), help_text="What the survey is for, shown above the questions."
    )
    consent_text = models.TextField(
        validators=capped("Consent text"), help_text="What respondents agree to before anything is stored."
    )
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.COORDINATORS)
    ask_trust_value = models.BooleanField(
        default=True, help_text="Ask PARTNER's trust and value ratings (1–4) for each person named."
    )
    ask_health = models.BooleanField(
        default=True, help_text="Ask the five-area network health self-assessment."
    )
    remind_days_before = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=3,
        help_text="E-mail a reminder this many days before it closes (blank: none).",
    )
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the automatic reminder went out."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_closes_after_open"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:campaign-detail", kwargs={"slug": self.network.slug, "pk": self.pk})

    @property
    def key(self) -> str:
        """The provenance key of the ties this campaign brings in."""
        return f"survey:{self.pk}"

    def is_answerable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at


class Question(models.Model):
    """A name generator: everyone the respondent names gets a tie of `tie_kind` with them."""

    class Standard(models.TextChoices):
        WORK = "work", "Who do you work with on this issue?"
        ADVICE = "advice", "Who do you go to for advice?"
        ENERGY = "energy", "Who gives you energy for this work?"
        CUSTOM = "custom", "Custom question"

    STANDARD_KINDS = {"work": "works with", "advice": "advice", "energy": "energy"}

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    standard = models.CharField(max_length=10, choices=Standard.choices, default=Standard.CUSTOM)
    text = models.CharField(max_length=300)
    tie_kind = models.CharField(max_length=60, help_text="The type of the ties this question creates.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "tie_kind"], name="question_one_per_tie_kind"),
        ]

    def __str__(self) -> str:
        return self.text


def _token_for(pk: int, nonce: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"survey-invitation:{pk}:{nonce}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:40]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """One member's personal link to a campaign.

    The link's token is derived from the secret key and a random nonce, and only its hash is stored:
    the database alone does not give anyone's link away; revoking throws the nonce away.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="survey_invitations")
    nonce = models.CharField(max_length=32, default="", editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    send_error = models.TextField(blank=True, help_text="Why the last e-mail could not be sent.")

    class Meta:
        ordering = ["member__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="invitation_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} to {self.campaign}"

    def issue_token(self) -> None:
        """A fresh nonce and hash (needs a primary key); the old link stops working."""
        self.nonce = secrets.token_hex(16)
        self.token_hash = token_hash(_token_for(self.pk, self.nonce))

    @property
    def token(self) -> str:
        return _token_for(self.pk, self.nonce)

    def get_answer_url(self) -> str:
        return reverse("surveys:answer", kwargs={"campaign_pk": self.campaign_id, "token": self.token})


class Response(models.Model):
    """One invitee's answers: exists only once they consented; one per invitation."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    consent_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    health_purpose = models.PositiveSmallIntegerField(null=True, blank=True)
    health_structure = models.PositiveSmallIntegerField(null=True, blank=True)
    health_mass = models.PositiveSmallIntegerField(null=True, blank=True)
    health_intelligence = models.PositiveSmallIntegerField(null=True, blank=True)
    health_community = models.PositiveSmallIntegerField(null=True, blank=True)
    health_comments = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"health_{area}__isnull": True}) | Q(**{f"health_{area}__range": (1, 5)}),
                name=f"response_health_{area}_1_to_5",
            )
            for area, _ in HEALTH_AREAS
        ]

    def __str__(self) -> str:
        return f"Response of {self.invitation}"


class PendingMember(models.Model):
    """Someone a respondent named who is not on the roster: a coordinator approves, merges or rejects."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a coordinator"
        APPROVED = "approved", "Added as a new member"
        MERGED = "merged", "Merged into an existing member"
        REJECTED = "rejected", "Rejected"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pending_members")
    proposed_by = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="pending_members")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


def _rating(low: int, high: int, **kwargs):
    return models.PositiveSmallIntegerField(
        validators=[MinValueValidator(low), MaxValueValidator(high)], **kwargs
    )


class Nomination(models.Model):
    """One person named in answer to one question, with how often, how strong, and trust and value."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "A few times a year"
        RARELY = "rarely", "Rarely"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="nominations")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="nominations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    pending = models.ForeignKey(
        PendingMember, on_delete=models.CASCADE, null=True, blank=True, related_name="nominations"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    strength = _rating(1, 5, default=3)
    trust_reliability = _rating(1, 4, null=True, blank=True)
    trust_mission = _rating(1, 4, null=True, blank=True)
    trust_openness = _rating(1, 4, null=True, blank=True)
    value_power = _rating(1, 4, null=True, blank=True)
    value_involvement = _rating(1, 4, null=True, blank=True)
    value_resources = _rating(1, 4, null=True, blank=True)

    class Meta:
        ordering = ["question", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, pending__isnull=True)
                | Q(member__isnull=True, pending__isnull=False),
                name="nomination_member_or_pending",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "member"],
                condition=Q(member__isnull=False),
                name="nomination_once_per_question",
            ),
            models.CheckConstraint(condition=Q(strength__range=(1, 5)), name="nomination_strength_1_to_5"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (1, 4)}),
                    name=f"nomination_{name}_1_to_4",
                )
                for name in TRUST_FIELDS + VALUE_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.response_id} names {self.member_id or self.pending_id}"


class AuditEntry(models.Model):
    """What happened to a campaign's data, without personal detail (e.g. a withdrawal and its counts)."""

    class Action(models.TextChoices):
        WITHDRAWAL = "withdrawal", "A respondent withdrew"
        PENDING_DECIDED = "pending", "A new person was decided on"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"
