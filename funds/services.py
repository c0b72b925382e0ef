"""Writes to funds: the business rules of rounds, proposals, reviewing and awards (DESIGN.md).

Services take the acting user (never a request), check who may act, validate, write, and return what
changed. Bad input raises django.core.exceptions.ValidationError, which pages show as form errors and the
API as 400s.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from funds import assignment as assigning
from funds.models import (
    FIELD_FIGURES,
    SUMMARY_MAX_CHARS,
    Award,
    DesignGroupMember,
    Fund,
    GranteeReport,
    Proposal,
    ProposalPartner,
    Review,
    ReviewAssignment,
    Reviewer,
    ReviewScore,
    Round,
    RubricCriterion,
)
from funds.permissions import can_manage, is_applicant
from funds.selectors import (
    Conflicts,
    conflict_text,
    proposal_eligibility_problems,
    round_assignment_plan,
    round_conflicts,
    round_provenance,
    round_rubric_locked_reason,
)
from networks.models import Member, Network, Role
from networks.permissions import can_view
from networks.services import access_set, active_tie_between, member_create, relationship_add, role_grant
from weaver.lib.enqueue import enqueue_on_commit

COLLABORATION = "collaboration"
# The fields a coordinator sets on a round, in form order (forms and serializers use this list too).
ROUND_FIELDS = (
    "title",
    "focus",
    "budget",
    "grant_min",
    "grant_max",
    "spend_window_months",
    "opens_on",
    "closes_on",
    "review_deadline",
    "min_partners",
    "review_mode",
    "reviews_per_proposal",
    "max_per_reviewer",
    "sharing_session_on",
)
# Once proposals are in, the rules they were judged by stay fixed; dates and the sharing session may move.
LOCKED_AFTER_OPEN = {"budget", "grant_min", "grant_max", "min_partners", "review_mode"}


def _require_manager(user, network: Network) -> None:
    if not can_manage(user, network):
        raise PermissionDenied("Only the network's coordinators can do this.")


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "Enter an amount of money."}) from None
    if not amount.is_finite():
        raise ValidationError({field: "Enter an amount of money."})
    return amount.quantize(Decimal("0.01"))


# Funds and rounds -------------------------------------------------------------------------------------


def fund_create(*, user, network: Network, name: str, description: str = "") -> Fund:
    """Start a fund in a network."""
    _require_manager(user, network)
    fund = Fund(network=network, name=name.strip(), description=description)
    fund.full_clean()
    fund.save()
    return fund


def _check_field_figures(*, user, rnd: Round, changed: Iterable[str], override_reason: str) -> None:
    """Settings outside the field's usual figures need a reason, recorded on the round (the caller saves).

    Only settings changed now are checked against what was accepted before, so a round already overridden
    can still move its dates; a round back within the figures forgets its override.
    """
    warnings = rnd.field_warnings()
    reason = (override_reason or "").strip()
    try:
        Round._meta.get_field("override_reason").run_validators(reason)
    except ValidationError as error:
        raise ValidationError({"override_reason": error.messages}) from None
    if not warnings:
        rnd.override_reason, rnd.overridden_warnings, rnd.overridden_by, rnd.overridden_at = (
            "",
            [],
            None,
            None,
        )
        return
    unaccepted = {f: w for f, w in warnings.items() if f in set(changed) and w not in rnd.overridden_warnings}
    if unaccepted and not reason:
        raise ValidationError(
            {
                **unaccepted,
                "override_reason": "These settings are outside the field's usual figures: say why this round "
                "needs them to go ahead.",
            }
        )
    if unaccepted or (reason and reason != rnd.override_reason):
        rnd.override_reason = reason or rnd.override_reason
        rnd.overridden_warnings = list(warnings.values())
        rnd.overridden_by, rnd.overridden_at = user, timezone.now()


@transaction.atomic
def round_create(
    *, user, fund: Fund, criteria: Iterable[Mapping] = (), override_reason: str = "", **fields
) -> Round:
    """Create a round in draft, with its rubric (criteria: name, weight, description; may come later).

    Settings left out take the field's usual figures; settings outside them need `override_reason`.
    """
    _require_manager(user, fund.network)
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown round fields: {', '.join(sorted(unknown))}")
    for key in ("budget", "grant_min", "grant_max"):
        if key in fields and fields[key] is not None:
            fields[key] = _money(fields[key], key)
    rnd = Round(fund=fund, **fields)
    rnd.full_clean(exclude=["fund"])
    _check_field_figures(
        user=user, rnd=rnd, changed=[f.field for f in FIELD_FIGURES], override_reason=override_reason
    )
    rnd.save()
    criteria = list(criteria)
    if criteria:
        rubric_set(user=user, round=rnd, criteria=criteria)
    return rnd


@transaction.atomic
def round_update(
    *, user, round: Round, criteria: Iterable[Mapping] | None = None, override_reason: str = "", **fields
) -> Round:
    """Change a round's settings and, when given, its rubric (rubric_set's rules).

    Money, partner and review rules are fixed once the round has opened. A setting changed to outside the
    field's usual figures needs `override_reason`.
    """
    _require_manager(user, round.fund.network)
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown round fields: {', '.join(sorted(unknown))}")
    if rnd.status != Round.Status.DRAFT:
        locked = sorted(k for k in set(fields) & LOCKED_AFTER_OPEN if fields[k] != getattr(rnd, k))
        if locked:
            raise ValidationError({k: "This cannot change once the round has opened." for k in locked})
    changed = []
    for key, value in fields.items():
        value = _money(value, key) if key in ("budget", "grant_min", "grant_max") else value
        if value != getattr(rnd, key):
            changed.append(key)
        setattr(rnd, key, value)
    rnd.full_clean(exclude=["fund"])
    _check_field_figures(user=user, rnd=rnd, changed=changed, override_reason=override_reason)
    rnd.save()
    for key in ("override_reason", "overridden_warnings", "overridden_by", "overridden_at", *fields):
        setattr(round, key, getattr(rnd, key))
    if criteria is not None:
        rubric_set(user=user, round=rnd, criteria=criteria)
    return rnd


def _criterion_rows(criteria: list[Mapping]) -> list[tuple[str, Decimal, str]]:
    rows = []
    for c in criteria:
        name = str(c.get("name", "") or "").strip()
        if not name:
            raise ValidationError({"criteria": "Every criterion needs a name."})
        try:
            weight = _money(c.get("weight", 1), "criteria")
        except ValidationError:
            raise ValidationError({"criteria": f"The weight of “{name}” must be a number."}) from None
        if not Decimal("0") < weight < Decimal("1000"):
            raise ValidationError(
                {"criteria": f"The weight of “{name}” must be more than 0 and below 1,000."}
            )
        rows.append((name, weight, str(c.get("description", "") or "").strip()))
    if len({name.lower() for name, _, _ in rows}) != len(rows):
        raise ValidationError({"criteria": "Two criteria have the same name."})
    return rows


@transaction.atomic
def rubric_set(*, user, round: Round, criteria: Iterable[Mapping]) -> list[RubricCriterion]:
    """Replace the round's rubric: at least one criterion, and only until the round is in review."""
    _require_manager(user, round.fund.network)
    rows = _criterion_rows(list(criteria))
    if not rows:
        raise ValidationError({"criteria": "A round needs at least one rubric criterion."})
    current = list(round.criteria.all())
    if rows == [(c.name, c.weight, c.description.strip()) for c in current]:
        return current  # unchanged, which is allowed even once the rubric is fixed
    locked = round_rubric_locked_reason(round)
    if locked:
        raise ValidationError({"criteria": locked})
    round.criteria.all().delete()
    return RubricCriterion.objects.bulk_create(
        [
            RubricCriterion(round=round, name=name, weight=weight, description=description, position=position)
            for position, (name, weight, description) in enumerate(rows)
        ]
    )


def _check_may_shape(round: Round, members: list[Member], *, field: str) -> None:
    for m in members:
        if m.network_id != round.fund.network_id:
            raise ValidationError({field: f"{m} is not a member of this network."})
        if m.kind != Member.Kind.PERSON:
            raise ValidationError({field: f"{m} is an organisation: the design group is people."})
    # Someone who already applied cannot also shape the round that judges them.
    applied = round.proposals.exclude(status=Proposal.Status.WITHDRAWN)
    applicants = sorted(
        str(m) for m in members if applied.filter(Q(lead=m) | Q(submitted_by_id=m.user_id or -1)).exists()
    )
    if applicants:
        raise ValidationError(
            {field: f"{', '.join(applicants)} applied to this round, so cannot be in its design group."}
        )


def design_group_set(*, user, round: Round, members: Iterable[Member]) -> list[DesignGroupMember]:
    """Replace the round's design group (people who shape the round and may not apply)."""
    _require_manager(user, round.fund.network)
    members = list(members)
    _check_may_shape(round, members, field="members")
    with transaction.atomic():
        round.design_group.exclude(member__in=members).delete()
        for m in members:
            DesignGroupMember.objects.get_or_create(round=round, member=m)
    return list(round.design_group.select_related("member"))


def design_group_add(*, user, round: Round, member: Member) -> DesignGroupMember:
    """Put one person in the round's design group (design_group_set's rules); adding them twice is a no-op."""
    _require_manager(user, round.fund.network)
    _check_may_shape(round, [member], field="member")
    entry, _ = DesignGroupMember.objects.get_or_create(round=round, member=member)
    return entry


def design_group_remove(*, user, entry: DesignGroupMember) -> None:
    """Take one person out of the round's design group."""
    _require_manager(user, entry.round.fund.network)
    entry.delete()


@transaction.atomic
def round_transition(*, user, round: Round, status: str) -> Round:
    """Move a round along draft → open → review → decided → closed, refusing any other move."""
    _require_manager(user, round.fund.network)
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    rnd.move_to(status)
    if status == Round.Status.OPEN and not rnd.criteria.exists():
        raise ValidationError({"status": "Add at least one rubric criterion before opening the round."})
    update_fields = ["status", "updated_at"]
    if status == Round.Status.DECIDED:
        # Applicants see outcomes from now on, so every undecided proposal gets a plain answer.
        now = timezone.now()
        rnd.proposals.filter(status=Proposal.Status.SUBMITTED).update(
            status=Proposal.Status.DECLINED,
            decline_reason="Not selected within this round's budget.",
            decided_at=now,
            updated_at=now,
        )
        # Ties and newcomers are visible to every member on the map, so they wait for the decision too.
        for proposal in rnd.proposals.filter(status=Proposal.Status.AWARDED).order_by("decided_at", "id"):
            proposal.round = rnd
            _weave_partners(user=user, proposal=proposal)
        rnd.decided_at = now
        update_fields.append("decided_at")
    rnd.save(update_fields=update_fields)
    round.status, round.decided_at = rnd.status, rnd.decided_at
    return rnd


def round_join(*, user, round: Round) -> Round:
    """A signed-in visitor with the round's public link joins the network as a member, to apply."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if round.status != Round.Status.OPEN:
        raise ValidationError({"round": "This round is not open for proposals."})
    if not can_view(user, round.fund.network):
        role_grant(network=round.fund.network, user=user, role=Role.MEMBER)
        if hasattr(user, "_weaver_roles"):
            del user._weaver_roles
    return round


@transaction.atomic
def round_sign_up(*, round: Round, name: str, username: str, email: str, password: str):
    """A visitor with the public link makes an account and joins the network as a member and a person."""
    if round.status != Round.Status.OPEN:
        raise ValidationError({"round": "This round is not open for proposals."})
    User = get_user_model()
    name, username, email = (name or "").strip(), (username or "").strip(), (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give your name, as the network should know you."]
    try:
        User.username_validator(username)
    except ValidationError as error:
        errors["username"] = error.messages
    if username and User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken; pick another, or log in if it is yours."]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter an e-mail address."]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["An account with this e-mail address exists already: log in instead."]
    user = User(username=username, email=email)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.first_name = name[:150]
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": ["That username was just taken; pick another."]}) from None
    network = round.fund.network
    role_grant(network=network, user=user, role=Role.MEMBER)
    # Their own person in the network, so they can lead the proposal. An existing person with the same
    # e-mail is not claimed: nothing proves the address is theirs.
    email_free = not Member.objects.filter(network=network, email__iexact=email).exists()
    person = member_create(user=user, network=network, name=name, email=email if email_free else "")
    person.user = user
    person.save(update_fields=["user"])
    return user


# Proposals --------------------------------------------------------------------------------------------


def _resolve_partners(*, network: Network, partners: Iterable) -> list[ProposalPartner]:
    resolved = []
    existing = {
        m.name.strip().lower(): m for m in Member.objects.filter(network=network).organisations().active()
    }
    for item in partners:
        if isinstance(item, Member):
            if item.network_id != network.pk or item.kind != Member.Kind.ORGANISATION:
                raise ValidationError({"partners": f"{item} is not an organisation of this network."})
            resolved.append(ProposalPartner(organisation=item))
            continue
        name = str(item or "").strip()
        if not name:
            continue
        if name.lower() in existing:
            # An organisation already in the network is a partner, not a newcomer, however it was typed.
            resolved.append(ProposalPartner(organisation=existing[name.lower()]))
        else:
            resolved.append(ProposalPartner(new_name=name[:200], is_newcomer=True))
    return resolved


@transaction.atomic
def proposal_save_draft(
    *,
    user,
    round: Round,
    proposal: Proposal | None = None,
    title: str,
    summary: str = "",
    amount=None,
    lead: Member | None = None,
    is_new_project: bool = False,
    partners: Iterable = (),
) -> Proposal:
    """Save a draft proposal (new or the applicant's own draft); rules are checked on submit."""
    network = round.fund.network
    if not can_view(user, network):
        raise PermissionDenied("Join the network through the round's link before applying.")
    if round.status not in (Round.Status.DRAFT, Round.Status.OPEN):
        raise ValidationError({"round": "This round no longer takes proposals."})
    if proposal is None:
        proposal = Proposal(round=round, submitted_by=user)
    elif proposal.submitted_by_id != user.pk:
        raise PermissionDenied("Only the applicant who started this proposal can change it.")
    elif proposal.status != Proposal.Status.DRAFT:
        raise ValidationError("Only a draft can be changed.")
    if lead is not None and (lead.network_id != network.pk or lead.kind != Member.Kind.PERSON):
        raise ValidationError({"lead": "The lead must be a person in this network."})
    if len(summary or "") > SUMMARY_MAX_CHARS:
        raise ValidationError(
            {"summary": f"Keep the summary to {SUMMARY_MAX_CHARS} characters (it has {len(summary)})."}
        )
    proposal.title = (title or "").strip()
    proposal.summary = summary or ""
    proposal.amount = _money(amount, "amount") if amount not in (None, "") else None
    if proposal.amount is not None and proposal.amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if proposal.amount is not None and proposal.amount != proposal.amount.to_integral_value():
        # Whole amounts keep the portfolio's exact knapsack table small (funds.ranking).
        raise ValidationError({"amount": "Ask for a whole amount, without cents."})
    proposal.lead = lead
    proposal.is_new_project = bool(is_new_project)
    proposal.full_clean(exclude=["round", "submitted_by", "lead"])
    proposal.save()
    proposal.partners.all().delete()
    new_partners = _resolve_partners(network=network, partners=partners)
    for p in new_partners:
        p.proposal = proposal
    ProposalPartner.objects.bulk_create(new_partners)
    return proposal


@transaction.atomic
def proposal_submit(*, user, proposal: Proposal) -> Proposal:
    """Submit a draft; raises one ValidationError naming every eligibility rule it fails."""
    proposal = Proposal.objects.select_for_update().select_related("round__fund").get(pk=proposal.pk)
    if proposal.submitted_by_id != user.pk:
        raise PermissionDenied("Only the applicant can submit this proposal.")
    if proposal.status != Proposal.Status.DRAFT:
        raise ValidationError("This proposal has already been submitted.")
    problems = proposal_eligibility_problems(proposal)
    if problems:
        errors: dict[str, list[ValidationError]] = {}
        for p in problems:
            errors.setdefault(p.field, []).append(ValidationError(p.message, code=p.code))
        raise ValidationError(errors)
    proposal.status = Proposal.Status.SUBMITTED
    proposal.submitted_at = timezone.now()
    proposal.save(update_fields=["status", "submitted_at", "updated_at"])
    return proposal


def proposal_withdraw(*, user, proposal: Proposal) -> Proposal:
    """The applicant withdraws a draft or submitted proposal before any decision."""
    if proposal.submitted_by_id != user.pk:
        raise PermissionDenied("Only the applicant can withdraw this proposal.")
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.SUBMITTED):
        raise ValidationError("A decided proposal cannot be withdrawn.")
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    return proposal


# Reviewing --------------------------------------------------------------------------------------------


def reviewer_add(
    *, user, round: Round, reviewer_user, member: Member | None = None, is_guardian=False
) -> Reviewer:
    """Put a user in the round's reviewer pool (and give them the reviewer role in the network)."""
    network = round.fund.network
    _require_manager(user, network)
    if member is not None and member.network_id != network.pk:
        raise ValidationError({"member": "This person is not in this network."})
    # Granting the role first links a login to the person with its e-mail, if there is one.
    role_grant(network=network, user=reviewer_user, role=Role.REVIEWER)
    if member is None:
        member = Member.objects.filter(network=network, user=reviewer_user).people().first()
    reviewer, created = Reviewer.objects.get_or_create(
        round=round, user=reviewer_user, defaults={"member": member, "is_guardian": is_guardian}
    )
    if not created and (
        reviewer.member_id != (member.pk if member else None) or reviewer.is_guardian != is_guardian
    ):
        reviewer.member, reviewer.is_guardian = member, is_guardian
        reviewer.save(update_fields=["member", "is_guardian"])
    return reviewer


@transaction.atomic
def reviewer_pool_add(
    *, user, round: Round, member: Member, is_guardian: bool = False, grant_role: bool = False
) -> Reviewer:
    """Put a person of the network in the round's reviewer pool.

    Their login needs a role in the network already, unless `grant_role`: then the reviewer role is added
    to the roles they hold through networks.services.access_set (which makes and e-mails a login for a
    person without one), by the same coordinator, in the same step.
    """
    network = round.fund.network
    _require_manager(user, network)
    if member.network_id != network.pk or member.kind != Member.Kind.PERSON or member.archived_at:
        raise ValidationError({"member": "Pick a current person of this network."})
    account = member.user
    if not grant_role and (account is None or not network.roles.filter(user=account).exists()):
        raise ValidationError(
            {
                "member": f"{member.name} holds no role in this network: give them the reviewer role "
                "too (grant_role), or give them access first."
            }
        )
    if grant_role:
        current = set(network.roles.filter(user=account).values_list("role", flat=True)) if account else set()
        account = access_set(
            user=user, network=network, member=member, roles=current | {Role.REVIEWER}
        ).account
        member.refresh_from_db(fields=["user"])
    return reviewer_add(user=user, round=round, reviewer_user=account, member=member, is_guardian=is_guardian)


@transaction.atomic
def reviewer_remove(*, user, reviewer: Reviewer) -> None:
    """Take a reviewer out of the round's pool with their unwritten assignments; not once they have
    written a review (the ranking rests on it). Their role in the network stays."""
    _require_manager(user, reviewer.round.fund.network)
    if reviewer.assignments.filter(status=ReviewAssignment.Status.SUBMITTED).exists():
        raise ValidationError(
            {"reviewer": f"{reviewer} has already written a review in this round, so stays in its pool."}
        )
    reviewer.delete()


@dataclass
class AssignmentResult:
    created: list[ReviewAssignment]
    coverage: assigning.Coverage
    conflicts: Conflicts


def _notify_assigned(assignments: list[ReviewAssignment]) -> None:
    if assignments:
        from funds.tasks import send_assignment_emails

        enqueue_on_commit(send_assignment_emails, [a.pk for a in assignments])


@transaction.atomic
def reviewers_assign(*, user, round: Round) -> AssignmentResult:
    """Assign reviewers to the round's submitted proposals, keeping existing assignments; report coverage."""
    _require_manager(user, round.fund.network)
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if rnd.status not in (Round.Status.OPEN, Round.Status.REVIEW):
        raise ValidationError({"round": "Reviewers are assigned while the round is open or in review."})
    planned = round_assignment_plan(rnd)
    plan, conflicts = planned.plan, planned.conflicts
    created = ReviewAssignment.objects.bulk_create(
        [ReviewAssignment(reviewer_id=rv, proposal_id=p) for rv, p in plan.new_pairs]
    )
    _notify_assigned(created)
    return AssignmentResult(created=created, coverage=plan.coverage, conflicts=conflicts)


@transaction.atomic
def assignment_adjust(
    *,
    user,
    round: Round,
    add: Iterable[tuple[Reviewer, Proposal]] = (),
    remove: Iterable[ReviewAssignment] = (),
) -> list[ReviewAssignment]:
    """A coordinator adds or removes assignments by hand; conflicts of interest are still refused."""
    _require_manager(user, round.fund.network)
    if round.status not in (Round.Status.OPEN, Round.Status.REVIEW):
        raise ValidationError({"round": "Assignments change only while the round is open or in review."})
    add, remove = list(add), list(remove)
    for a in remove:
        if a.proposal.round_id != round.pk:
            raise ValidationError({"remove": "That assignment belongs to another round."})
        if a.status == ReviewAssignment.Status.SUBMITTED:
            raise ValidationError({"remove": f"{a.reviewer} has already reviewed “{a.proposal}”."})
    proposals = [p for _, p in add]
    reviewers = [rv for rv, _ in add]
    for rv, p in add:
        if rv.round_id != round.pk or p.round_id != round.pk:
            raise ValidationError({"add": "Reviewer and proposal must belong to this round."})
        if p.status != Proposal.Status.SUBMITTED:
            raise ValidationError({"add": f"“{p}” is not a submitted proposal."})
    conflicts = round_conflicts(round, proposals=proposals, reviewers=reviewers) if add else {}
    for rv, p in add:
        if (rv.pk, p.pk) in conflicts:
            raise ValidationError(
                {
                    "add": f"{rv} cannot review “{p}”, a conflict of interest: "
                    f"{conflict_text(conflicts[(rv.pk, p.pk)])}."
                }
            )
    ReviewAssignment.objects.filter(pk__in=[a.pk for a in remove]).delete()
    created = []
    for rv, p in add:
        a, made = ReviewAssignment.objects.get_or_create(reviewer=rv, proposal=p, defaults={"by_hand": True})
        if not made and a.status == ReviewAssignment.Status.RECUSED:
            raise ValidationError({"add": f"{rv} recused from “{p}”."})
        if made:
            created.append(a)
    _notify_assigned(created)
    return created


@transaction.atomic
def review_recuse(
    *, user, assignment: ReviewAssignment, reason: str
) -> tuple[ReviewAssignment, ReviewAssignment | None]:
    """The reviewer steps back with a reason; the review goes to the best eligible reviewer."""
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("reviewer", "proposal__round")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer.user_id != user.pk:
        raise PermissionDenied("Only the assigned reviewer can recuse.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say briefly why you are stepping back."})
    if assignment.status != ReviewAssignment.Status.ASSIGNED:
        raise ValidationError("Only a review not yet submitted can be handed back.")
    assignment.status = ReviewAssignment.Status.RECUSED
    assignment.recuse_reason = reason.strip()
    assignment.save(update_fields=["status", "recuse_reason"])
    replacement = None
    proposal, rnd = assignment.proposal, assignment.proposal.round
    if rnd.review_mode == Round.ReviewMode.VOLUNTEER:
        pool = list(rnd.reviewers.select_related("member"))
        conflicts = round_conflicts(rnd, proposals=[proposal], reviewers=pool)
        on_it = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__member")
        blocked = {rv for rv, _ in conflicts} | {a.reviewer_id for a in on_it}
        loads = Counter(
            ReviewAssignment.objects.filter(proposal__round=rnd)
            .exclude(status=ReviewAssignment.Status.RECUSED)
            .values_list("reviewer_id", flat=True)
        )
        chosen = assigning.best_replacement(
            reviewers={rv.pk: rv.community for rv in pool},
            loads=loads,
            k=rnd.max_per_reviewer,
            blocked=blocked,
            communities_on_proposal=[
                a.reviewer.community for a in on_it if a.status != ReviewAssignment.Status.RECUSED
            ],
        )
        if chosen is not None:
            replacement = ReviewAssignment.objects.create(proposal=proposal, reviewer_id=chosen)
            _notify_assigned([replacement])
    return assignment, replacement


@transaction.atomic
def review_submit(
    *, user, assignment: ReviewAssignment, scores: Mapping, comment: str = "", shareable: bool = False
) -> Review:
    """Save the reviewer's score per criterion (1–5) and comment, once: a review that is in is final."""
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("reviewer", "proposal__round")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer.user_id != user.pk:
        raise PermissionDenied("Only the assigned reviewer can write this review.")
    if assignment.status == ReviewAssignment.Status.RECUSED:
        raise ValidationError("You stepped back from this proposal.")
    if assignment.status == ReviewAssignment.Status.SUBMITTED:
        # Once in, the reviewer can read the others; a rewrite then would no longer be independent.
        raise ValidationError(
            "Your review is in and can no longer be changed, as you can now read the others."
        )
    rnd = assignment.proposal.round
    if rnd.status != Round.Status.REVIEW:
        raise ValidationError("Reviews are written while the round is in review.")
    criteria = list(rnd.criteria.all())
    given = {str(k): v for k, v in scores.items()}
    errors = {}
    clean: dict[int, int] = {}
    for c in criteria:
        raw = given.get(str(c.pk))
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not 1 <= value <= 5 or str(raw).strip() not in {str(value), f"{value}.0"}:
            errors[f"score_{c.pk}"] = f"Score “{c.name}” from 1 to 5."
        else:
            clean[c.pk] = value
    unknown = set(given) - {str(c.pk) for c in criteria}
    if unknown:
        errors["scores"] = "Some scores are for criteria that are not in this round's rubric."
    if errors:
        raise ValidationError(errors)
    review = Review.objects.create(
        assignment=assignment, comment=comment or "", shareable=bool(shareable), submitted_at=timezone.now()
    )
    ReviewScore.objects.bulk_create(
        [ReviewScore(review=review, criterion_id=c, score=s) for c, s in clean.items()]
    )
    assignment.status = ReviewAssignment.Status.SUBMITTED
    assignment.save(update_fields=["status"])
    return review


# Decisions --------------------------------------------------------------------------------------------


def _spend_by(rnd: Round, when):
    return timezone.localdate(when) + relativedelta(months=rnd.spend_window_months)


@transaction.atomic
def award_make(*, user, proposal: Proposal, amount) -> Award:
    """Award a grant within the grant range and the round's remaining budget, safe under concurrency.

    The round row is locked first, so two coordinators awarding at once queue up and the second sees the
    first's award; the guarded UPDATE and the round's check constraint back this up. The partners are
    woven into the network when the round moves to decided (round_transition), not now.
    """
    _require_manager(user, proposal.round.fund.network)
    amount = _money(amount, "amount")
    rnd = Round.objects.select_for_update().select_related("fund__network").get(pk=proposal.round_id)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if rnd.status != Round.Status.REVIEW:
        # Deciding the round answers every proposal, so there is nothing left to award after it.
        raise ValidationError({"round": "Awards are made while the round is in review."})
    if proposal.status != Proposal.Status.SUBMITTED:
        raise ValidationError({"proposal": f"This proposal is {proposal.get_status_display().lower()}."})
    if not rnd.grant_min <= amount <= rnd.grant_max:
        raise ValidationError(
            {"amount": f"A grant must be between {rnd.grant_min:,.0f} and {rnd.grant_max:,.0f}."}
        )
    remaining = rnd.budget - rnd.awarded_total
    if amount > remaining:
        raise ValidationError({"amount": f"Only {remaining:,.2f} of the budget is left."})
    updated = Round.objects.filter(pk=rnd.pk, awarded_total__lte=F("budget") - amount).update(
        awarded_total=F("awarded_total") + amount
    )
    if not updated:
        raise ValidationError({"amount": "The budget has just run out."})
    now = timezone.now()
    award = Award.objects.create(
        proposal=proposal, amount=amount, spend_by=_spend_by(rnd, now), awarded_by=user, awarded_at=now
    )
    proposal.status = Proposal.Status.AWARDED
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    return award


def _weave_partners(*, user, proposal: Proposal) -> None:
    """Newcomer partners join the network; every pair of partners gets a collaboration tie."""
    rnd = proposal.round
    network = rnd.fund.network
    detail = round_provenance(rnd)
    orgs: list[Member] = []
    for partner in proposal.partners.select_related("organisation"):
        if partner.organisation_id is None:
            org = (
                Member.objects.filter(
                    network=network, kind=Member.Kind.ORGANISATION, name__iexact=partner.new_name
                )
                .order_by("id")
                .first()
            )
            if org is None:
                org = member_create(
                    user=user,
                    network=network,
                    name=partner.new_name,
                    kind=Member.Kind.ORGANISATION,
                    description=f"Joined the network as a partner of “{proposal.title}”, funded in {detail}.",
                )
            partner.organisation = org
            partner.save(update_fields=["organisation"])
        if partner.organisation not in orgs:
            orgs.append(partner.organisation)
    for a, b in combinations(orgs, 2):
        if active_tie_between(source=a, target=b, kind=COLLABORATION):
            continue
        try:
            relationship_add(
                user=user,
                network=network,
                source=a,
                target=b,
                kind=COLLABORATION,
                provenance="fund",
                provenance_detail=detail,
                notes=f"Partners in “{proposal.title}”.",
            )
        except ValidationError:
            # Another round's award tied them a moment ago: the tie exists, which is all we want.
            continue


def proposal_decline(*, user, proposal: Proposal, reason: str) -> Proposal:
    """Decline a submitted proposal with a reason (shown to the applicant once the round is decided)."""
    _require_manager(user, proposal.round.fund.network)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the applicant a reason."})
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Proposal.Status.SUBMITTED:
            raise ValidationError({"proposal": f"This proposal is {proposal.get_status_display().lower()}."})
        proposal.status = Proposal.Status.DECLINED
        proposal.decline_reason = reason.strip()
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decline_reason", "decided_at", "updated_at"])
    return proposal


def grantee_report_submit(
    *, user, award: Award, kind: str, spent, done: str, learned: str, people_involved: int
) -> GranteeReport:
    """The grantee (or a coordinator) files the midpoint or final report; filing again replaces it."""
    proposal = award.proposal
    if not (is_applicant(user, proposal) or can_manage(user, proposal.round.fund.network)):
        raise PermissionDenied("Only the grantee or a coordinator can report on this grant.")
    if kind not in GranteeReport.Kind.values:
        raise ValidationError({"kind": "Choose the midpoint or the final report."})
    spent = _money(spent, "spent")
    errors = {}
    if spent < 0:
        errors["spent"] = "The amount spent cannot be negative."
    if not (done or "").strip():
        errors["done"] = "Say what was done."
    if not (learned or "").strip():
        errors["learned"] = "Say what was learned."
    try:
        people_involved = int(people_involved)
        if people_involved < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["people_involved"] = "Give the number of people involved."
    if errors:
        raise ValidationError(errors)
    report, _ = GranteeReport.objects.update_or_create(
        award=award,
        kind=kind,
        defaults={
            "spent": spent,
            "done": done.strip(),
            "learned": learned.strip(),
            "people_involved": people_involved,
            "submitted_by": user,
        },
    )
    return report


def assignments_email_once(*, assignment_ids: list[int], marker: str, build) -> int:
    """E-mail each still-assigned assignment once, stamping `marker` (notified_at or reminded_at)."""
    not_yet = {f"{marker}__isnull": True}
    sent = 0
    for assignment_id in assignment_ids:
        with transaction.atomic():
            assignment = (
                ReviewAssignment.objects.select_for_update(of=("self",))
                .select_related("reviewer__user", "proposal__round__fund__network")
                .filter(pk=assignment_id, status=ReviewAssignment.Status.ASSIGNED, **not_yet)
                .first()
            )
            if assignment is None:
                continue
            build(assignment).send()
            setattr(assignment, marker, timezone.now())
            assignment.save(update_fields=[marker])
            sent += 1
    return sent
