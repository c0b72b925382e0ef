"""Innovation funds: funds, rounds, proposals, reviewing, awards and grantee reports.

Rules are in DESIGN.md ("Innovation funds: rules"); the writes that enforce them are in funds/services.py.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from networks.models import Member, Network
from weaver.lib.limits import capped

MONEY = {"max_digits": 12, "decimal_places": 2}
SUMMARY_MAX_CHARS = 2000


def _new_public_token() -> str:
    return secrets.token_urlsafe(18)


class Fund(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="funds")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=capped("Description"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="fund_unique_name_per_network")
        ]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class FieldFigure:
    """A setting's usual range in the field (DESIGN.md); outside it a coordinator must say why."""

    field: str
    low: Decimal | int | None
    high: Decimal | int | None
    setting: str  # the setting in words, with {value}
    usual: str  # the usual range in words


# DESIGN.md: rounds of $15k–50k, grants of $1.5k–8k, spent within ~6 months, by 3+ organisations.
FIELD_FIGURES = (
    FieldFigure("budget", Decimal("15000"), Decimal("50000"), "A budget of {value}", "15,000–50,000 a round"),
    FieldFigure(
        "grant_min", Decimal("1500"), Decimal("8000"), "A smallest grant of {value}", "grants of 1,500–8,000"
    ),
    FieldFigure(
        "grant_max", Decimal("1500"), Decimal("8000"), "A largest grant of {value}", "grants of 1,500–8,000"
    ),
    FieldFigure("spend_window_months", None, 6, "A spend window of {value} months", "spent within 6 months"),
    FieldFigure(
        "min_partners", 3, None, "Asking for {value} partner organisations", "3 or more organisations"
    ),
)


class Round(models.Model):
    """One call for proposals of a fund, with its budget, rules, rubric and reviewing setup."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for proposals"
        REVIEW = "review", "In review"
        DECIDED = "decided", "Decided"
        CLOSED = "closed", "Closed"

    class ReviewMode(models.TextChoices):
        VOLUNTEER = "volunteer", "Volunteer panel (each reviewer reads a few proposals)"
        GUARDIAN = "guardian", "Guardians (every guardian reviews every proposal)"

    # The only legal moves: a round never goes back, so reviews and decisions stay meaningful.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.OPEN,),
        Status.OPEN: (Status.REVIEW,),
        Status.REVIEW: (Status.DECIDED,),
        Status.DECIDED: (Status.CLOSED,),
        Status.CLOSED: (),
    }

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="rounds")
    title = models.CharField(max_length=200)
    focus = models.TextField(
        blank=True, validators=capped("Focus"), help_text="What this round wants to fund, in a few sentences."
    )
    budget = models.DecimalField(default=Decimal("30000"), **MONEY)
    grant_min = models.DecimalField("smallest grant", default=Decimal("1500"), **MONEY)
    grant_max = models.DecimalField("largest grant", default=Decimal("8000"), **MONEY)
    spend_window_months = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1)], help_text="Months a grantee has to spend the grant."
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    review_deadline = models.DateField(null=True, blank=True)
    min_partners = models.PositiveSmallIntegerField(
        "minimum partner organisations", default=3, validators=[MinValueValidator(1)]
    )
    review_mode = models.CharField(max_length=12, choices=ReviewMode.choices, default=ReviewMode.VOLUNTEER)
    reviews_per_proposal = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Volunteer mode: reviews each proposal gets."
    )
    max_per_reviewer = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Volunteer mode: most proposals per reviewer."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Settings outside the field's usual figures (FIELD_FIGURES) are allowed with a reason, kept here.
    override_reason = models.TextField(
        "reason for going outside the usual figures",
        blank=True,
        validators=capped("Reason"),
        help_text="Why this round differs.",
    )
    overridden_warnings = models.JSONField(default=list, blank=True, editable=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    overridden_at = models.DateTimeField(null=True, blank=True, editable=False)
    sharing_session_on = models.DateField("final sharing session", null=True, blank=True)
    # When the round moved to decided: its awards were woven into the network then, not when made.
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_token = models.CharField(max_length=40, unique=True, default=_new_public_token, editable=False)
    # Kept in step with the awards inside award_make; the check constraint is the last line of defence.
    awarded_total = models.DecimalField(default=Decimal("0"), editable=False, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="round_budget_positive"),
            models.CheckConstraint(condition=Q(grant_min__gt=0), name="round_grant_min_positive"),
            models.CheckConstraint(condition=Q(grant_min__lte=F("grant_max")), name="round_grant_min_le_max"),
            models.CheckConstraint(condition=Q(grant_max__lte=F("budget")), name="round_grant_max_le_budget"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="round_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=Q(awarded_total__gte=0, awarded_total__lte=F("budget")),
                name="round_awards_within_budget",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("funds:round-detail", kwargs={"slug": self.fund.network.slug, "pk": self.pk})

    @property
    def network(self) -> Network:
        return self.fund.network

    @property
    def remaining_budget(self) -> Decimal:
        return self.budget - self.awarded_total

    @property
    def results_public(self) -> bool:
        return self.status in (self.Status.DECIDED, self.Status.CLOSED)

    def clean(self) -> None:
        errors = {}
        if self.budget is not None and self.budget <= 0:
            errors["budget"] = "The budget must be more than zero."
        if self.grant_min is not None and self.grant_min <= 0:
            errors["grant_min"] = "The smallest grant must be more than zero."
        if self.grant_min is not None and self.grant_max is not None and self.grant_min > self.grant_max:
            errors["grant_max"] = "The largest grant cannot be smaller than the smallest grant."
        if self.grant_max is not None and self.budget is not None and self.grant_max > self.budget:
            errors["grant_max"] = "The largest grant cannot be more than the whole budget."
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = "The round cannot close before it opens."
        if errors:
            raise ValidationError(errors)

    def field_warnings(self) -> dict[str, str]:
        """Settings outside the field's usual figures, field → what is unusual (not errors: see services)."""
        warnings = {}
        for figure in FIELD_FIGURES:
            value = getattr(self, figure.field)
            if value is None:
                continue
            if (figure.low is not None and value < figure.low) or (
                figure.high is not None and value > figure.high
            ):
                shown = f"{value:,.0f}" if isinstance(value, Decimal) else value
                setting = figure.setting.format(value=shown)
                warnings[figure.field] = f"{setting} is outside the field's usual figures ({figure.usual})."
        return warnings

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, ())

    def move_to(self, status: str) -> None:
        """Change status along a legal transition only (the caller saves)."""
        if not self.can_move_to(status):
            allowed = ", ".join(self.Status(s).label for s in self.TRANSITIONS.get(self.status, ())) or "none"
            raise ValidationError(
                {
                    "status": f"A round that is “{self.get_status_display()}” cannot move to "
                    f"“{self.Status(status).label if status in self.Status.values else status}”. "
                    f"Allowed next: {allowed}."
                }
            )
        self.status = status


class RubricCriterion(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=120)
    description = models.TextField(
        blank=True,
        validators=capped("Description"),
        help_text="What a 5 looks like, and what a 1 looks like.",
    )
    weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("1"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.UniqueConstraint(fields=["round", "name"], name="criterion_unique_name_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (×{self.weight})"


class DesignGroupMember(models.Model):
    """A network member who shapes the round and therefore may not apply to it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="design_group")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="designgroup_unique_member")]

    def __str__(self) -> str:
        return f"{self.member} shapes {self.round}"


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        AWARDED = "awarded", "Awarded"
        DECLINED = "declined", "Declined"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(max_length=200)
    summary = models.TextField(
        max_length=SUMMARY_MAX_CHARS,
        blank=True,
        help_text=f"What you will do, with whom, and why it is new (at most {SUMMARY_MAX_CHARS} characters).",
    )
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    lead = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="led_proposals",
        help_text="The person who leads the project.",
    )  # fmt: skip
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fund_proposals"
    )
    is_new_project = models.BooleanField("this is a new project", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    decline_reason = models.TextField(blank=True, validators=capped("Reason"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="proposal_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return self.title


class ProposalPartner(models.Model):
    """A partner: an existing organisation of the network, or a newcomer named by the applicant."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="fund_partnerships"
    )
    new_name = models.CharField("new organisation", max_length=200, blank=True)
    is_newcomer = models.BooleanField(default=False, help_text="Not a member of the network when it applied.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(new_name=""),
                name="partner_is_existing_or_named",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.organisation.name if self.organisation_id else self.new_name


class Reviewer(models.Model):
    """A user in a round's reviewer pool; `member` is their person in the network (for conflicts)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fund_reviews")
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_guardian = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="reviewer_unique_per_round")]

    def __str__(self) -> str:
        return str(self.member or self.user)

    @property
    def community(self) -> str:
        return self.member.community if self.member_id else ""


class ReviewAssignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        SUBMITTED = "submitted", "Review submitted"
        RECUSED = "recused", "Recused"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    recuse_reason = models.TextField(blank=True, validators=capped("Reason"))
    by_hand = models.BooleanField(default=False, help_text="Set by a coordinator rather than automatically.")
    assigned_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="assignment_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.proposal}"


class Review(models.Model):
    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review")
    comment = models.TextField(blank=True, validators=capped("Comment"))
    shareable = models.BooleanField(
        default=False, help_text="The applicants may read this comment once the round is decided."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Review of {self.assignment.proposal} by {self.assignment.reviewer}"

    def weighted_mean(self) -> float | None:
        pairs = [(float(s.criterion.weight), s.score) for s in self.scores.all()]
        total_weight = sum(w for w, _ in pairs)
        return sum(w * s for w, s in pairs) / total_weight if total_weight else None


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_unique_per_criterion"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.score}"


class Award(models.Model):
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(**MONEY)
    spend_by = models.DateField()
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField()

    class Meta:
        ordering = ["-awarded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} to {self.proposal}"


class GranteeReport(models.Model):
    class Kind(models.TextChoices):
        MIDPOINT = "midpoint", "Midpoint report"
        FINAL = "final", "Final report"

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    spent = models.DecimalField("amount spent so far", **MONEY)
    done = models.TextField("what was done", validators=capped("What was done"))
    learned = models.TextField("what was learned", validators=capped("What was learned"))
    people_involved = models.PositiveIntegerField("people involved")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["award", "kind"], name="report_one_per_kind"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="report_spent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.award.proposal}"
