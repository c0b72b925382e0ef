"""Reads that span models: eligibility, conflicts of interest, visibility, ranking, portfolios."""

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from funds import assignment as assigning
from funds import ranking
from funds.models import (
    Award,
    DesignGroupMember,
    GranteeReport,
    Proposal,
    ProposalPartner,
    Review,
    ReviewAssignment,
    Reviewer,
    Round,
)
from funds.permissions import can_manage, is_applicant
from networks import selectors as network_selectors
from networks.models import Member, Relationship, Snapshot


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


def proposal_eligibility_problems(proposal: Proposal, *, today=None) -> list[Problem]:
    """Every eligibility rule the proposal fails, each named in plain words (empty when eligible)."""
    rnd = proposal.round
    today = today or timezone.localdate()
    problems: list[Problem] = []
    if rnd.status != Round.Status.OPEN or not (rnd.opens_on <= today <= rnd.closes_on):
        problems.append(
            Problem("round", "round_not_open", f"The round “{rnd.title}” is not open for proposals now.")
        )
    if not proposal.title.strip():
        problems.append(Problem("title", "no_title", "Give the proposal a title."))
    if not proposal.summary.strip():
        problems.append(Problem("summary", "no_summary", "Write a short summary of the project."))
    if proposal.amount is None or not (rnd.grant_min <= proposal.amount <= rnd.grant_max):
        problems.append(
            Problem(
                "amount",
                "amount_out_of_range",
                f"The amount asked for must be between {rnd.grant_min:,.0f} and {rnd.grant_max:,.0f}.",
            )
        )
    if proposal.lead is None:
        problems.append(Problem("lead", "no_lead", "Name the person who leads the project."))
    design = set(DesignGroupMember.objects.filter(round=rnd).values_list("member_id", flat=True))
    applicant_members = set(
        Member.objects.filter(network=rnd.fund.network, user=proposal.submitted_by).values_list(
            "id", flat=True
        )
    )
    if proposal.lead_id:
        applicant_members.add(proposal.lead_id)
    if design & applicant_members:
        problems.append(
            Problem(
                "lead",
                "design_group_member",
                "Members of the round's design group may not apply to it (nor lead a proposal).",
            )
        )
    partners = list(proposal.partners.select_related("organisation"))
    keys = [p.organisation_id if p.organisation_id else p.new_name.strip().lower() for p in partners]
    duplicates = sorted({p.name for p, key in zip(partners, keys, strict=True) if keys.count(key) > 1})
    if duplicates:
        problems.append(
            Problem(
                "partners",
                "duplicate_organisation",
                "Each partner organisation may be listed only once; listed more than once: "
                f"{', '.join(duplicates)}.",
            )
        )
    distinct = len(set(keys))
    if distinct < rnd.min_partners:
        problems.append(
            Problem(
                "partners",
                "too_few_partners",
                f"The round asks for at least {rnd.min_partners} different partner organisations; "
                f"this proposal has {distinct}.",
            )
        )
    if not proposal.is_new_project:
        problems.append(
            Problem(
                "is_new_project",
                "not_declared_new",
                "This fund supports new projects only: confirm that the project is new.",
            )
        )
    return problems


def round_rubric_locked_reason(rnd: Round) -> str:
    """Why the round's rubric can no longer change, or "" while it still can (draft or open)."""
    # No review exists before: reviews are written only in review, and a round never moves back.
    if rnd.status not in (Round.Status.DRAFT, Round.Status.OPEN):
        return "The rubric is fixed once the round is in review, so every review scores the same criteria."
    return ""


@dataclass(frozen=True)
class ConflictReason:
    """Why a reviewer may not review a proposal: a code a client can match, and the words for people."""

    code: str  # one of CONFLICT_CODES
    detail: str


# The conflict-of-interest rule (DESIGN.md, "Innovation funds: rules"), one code per way of being conflicted.
CONFLICT_CODES = {
    "is_lead": "leads it",
    "is_applicant": "applied for it",
    "in_organisation": "belongs to one of its organisations",
    "tie_to_lead": "has a direct tie to its lead",
    "tie_to_applicant": "has a direct tie to one of its applicants",
    "tie_to_organisation": "has a direct tie to one of its organisations",
}

Conflicts = dict[tuple[int, int], tuple[ConflictReason, ...]]


def conflict_text(reasons) -> str:
    """The reasons of one conflicted pair in a sentence's words ("leads it; belongs to …")."""
    return "; ".join(r.detail for r in reasons)


def round_conflicts(rnd: Round, *, proposals=None, reviewers=None) -> Conflicts:
    """Conflicted (reviewer id, proposal id) pairs with every reason that applies, for the given proposals
    (default: the round's submitted ones) and reviewers (default: the pool).

    A reviewer is conflicted when they lead the proposal or applied for it, belong to one of its
    organisations (its partners and its lead's organisations), or have a current direct tie (any kind,
    either direction, not ended) to its lead, an applicant or one of its organisations. A fixed number of
    queries whatever the numbers of reviewers and proposals.
    """
    if proposals is None:
        proposals = list(rnd.proposals.filter(status=Proposal.Status.SUBMITTED).select_related("lead"))
    if reviewers is None:
        reviewers = list(rnd.reviewers.all())
    proposals, reviewers = list(proposals), list(reviewers)
    if not proposals or not reviewers:
        return {}
    proposal_ids = [p.pk for p in proposals]
    lead_ids = {p.lead_id for p in proposals if p.lead_id}
    applicant_user_ids = {p.submitted_by_id for p in proposals}

    # Who and what each proposal involves: member id → its role in the proposal.
    involved: dict[int, dict[int, str]] = defaultdict(dict)  # proposal id → {member id: role}
    for p in proposals:
        if p.lead_id:
            involved[p.pk][p.lead_id] = "lead"
    applicant_people: dict[int, list[int]] = defaultdict(list)  # user id → their people in the network
    for member_id, user_id in Member.objects.filter(
        network__funds=rnd.fund_id, user_id__in=applicant_user_ids
    ).values_list("id", "user_id"):
        applicant_people[user_id].append(member_id)
    for p in proposals:
        for member_id in applicant_people[p.submitted_by_id]:
            involved[p.pk].setdefault(member_id, "applicant")
    for proposal_id, org_id in ProposalPartner.objects.filter(
        proposal_id__in=proposal_ids, organisation__isnull=False
    ).values_list("proposal_id", "organisation_id"):
        involved[proposal_id].setdefault(org_id, "partner")
    lead_orgs: dict[int, set[int]] = defaultdict(set)
    Affiliation = Member.organisations.through
    for person_id, org_id in Affiliation.objects.filter(from_member_id__in=lead_ids).values_list(
        "from_member_id", "to_member_id"
    ):
        lead_orgs[person_id].add(org_id)
    for p in proposals:
        for org_id in lead_orgs.get(p.lead_id, ()):
            involved[p.pk].setdefault(org_id, "lead_organisation")
    by_member: dict[int, list[tuple[int, str]]] = defaultdict(list)  # member id → [(proposal id, role)]
    for proposal_id, members in involved.items():
        for member_id, role in members.items():
            by_member[member_id].append((proposal_id, role))

    reviewer_members = {rv.member_id for rv in reviewers if rv.member_id}
    affiliations: dict[int, set[int]] = defaultdict(set)
    for person_id, org_id in Affiliation.objects.filter(from_member_id__in=reviewer_members).values_list(
        "from_member_id", "to_member_id"
    ):
        affiliations[person_id].add(org_id)
    today = timezone.localdate()
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in (
        Relationship.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .filter(
            Q(source_id__in=reviewer_members, target_id__in=list(by_member))
            | Q(source_id__in=list(by_member), target_id__in=reviewer_members)
        )
        .values_list("source_id", "target_id")
    ):
        if a in reviewer_members:
            neighbours[a].add(b)
        if b in reviewer_members:
            neighbours[b].add(a)
    names, lead_users = {}, {}
    for member_id, name, user_id in Member.objects.filter(pk__in=list(by_member)).values_list(
        "id", "name", "user_id"
    ):
        names[member_id] = name
        if member_id in lead_ids and user_id:
            lead_users[member_id] = user_id
    by_user: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for p in proposals:
        by_user[p.submitted_by_id].append((p.pk, "applicant"))
        if p.lead_id in lead_users:
            by_user[lead_users[p.lead_id]].append((p.pk, "lead"))

    found: dict[tuple[int, int], dict[tuple[str, str], None]] = defaultdict(dict)

    def note(rv_id: int, proposal_id: int, code: str, detail: str) -> None:
        found[(rv_id, proposal_id)][(code, detail)] = None

    for rv in reviewers:
        for proposal_id, role in by_user.get(rv.user_id, ()):
            note(rv.pk, proposal_id, f"is_{role}", CONFLICT_CODES[f"is_{role}"])
        if not rv.member_id:
            continue
        for proposal_id, role in by_member.get(rv.member_id, ()):
            if role in ("lead", "applicant"):
                note(rv.pk, proposal_id, f"is_{role}", CONFLICT_CODES[f"is_{role}"])
        for org_id in affiliations.get(rv.member_id, ()):
            for proposal_id, role in by_member.get(org_id, ()):
                if role in ("partner", "lead_organisation"):
                    note(
                        rv.pk, proposal_id, "in_organisation", f"belongs to {_org_words(names, org_id, role)}"
                    )
        for other in neighbours.get(rv.member_id, ()):
            for proposal_id, role in by_member.get(other, ()):
                name = names.get(other, "")
                if role == "lead":
                    note(rv.pk, proposal_id, "tie_to_lead", f"has a direct tie to its lead, {name}")
                elif role == "applicant":
                    note(rv.pk, proposal_id, "tie_to_applicant", f"has a direct tie to its applicant, {name}")
                else:
                    words = _org_words(names, other, role)
                    note(rv.pk, proposal_id, "tie_to_organisation", f"has a direct tie to {words}")
    order = list(CONFLICT_CODES)
    return {
        pair: tuple(
            ConflictReason(code=code, detail=detail)
            for code, detail in sorted(reasons, key=lambda cd: (order.index(cd[0]), cd[1]))
        )
        for pair, reasons in found.items()
    }


def _org_words(names: dict[int, str], org_id: int, role: str) -> str:
    what = "a partner organisation" if role == "partner" else "its lead's organisation"
    return f"{names.get(org_id, 'an organisation')} ({what})"


@dataclass
class PlannedAssignment:
    """What automatic assignment would do now (see round_assignment_plan)."""

    plan: assigning.Plan
    conflicts: Conflicts
    proposals: list[Proposal]
    pool: list[Reviewer]
    reviews_per_proposal: int
    max_per_reviewer: int


def round_assignment_plan(
    rnd: Round, *, reviews_per_proposal: int | None = None, max_per_reviewer: int | None = None
) -> PlannedAssignment:
    """The assignments automatic assignment would add to the round's submitted proposals, keeping the
    existing ones and never re-proposing a recusal, with the coverage that would result; writes nothing.
    Volunteer mode uses the round's r and k unless others are given; guardian mode uses the guardians."""
    proposals = list(rnd.proposals.filter(status=Proposal.Status.SUBMITTED).select_related("lead"))
    pool = list(rnd.reviewers.select_related("member"))
    if rnd.review_mode == Round.ReviewMode.GUARDIAN:
        pool = [rv for rv in pool if rv.is_guardian]
    conflicts = round_conflicts(rnd, proposals=proposals, reviewers=pool)
    current = list(ReviewAssignment.objects.filter(proposal__in=proposals))
    existing = [
        (a.reviewer_id, a.proposal_id) for a in current if a.status != ReviewAssignment.Status.RECUSED
    ]
    excluded = [
        (a.reviewer_id, a.proposal_id) for a in current if a.status == ReviewAssignment.Status.RECUSED
    ]
    proposal_ids = [p.pk for p in proposals]
    r = reviews_per_proposal or rnd.reviews_per_proposal
    k = max_per_reviewer or rnd.max_per_reviewer
    if rnd.review_mode == Round.ReviewMode.GUARDIAN:
        plan = assigning.assign_guardians(
            proposals=proposal_ids,
            guardians=[rv.pk for rv in pool],
            conflicts=conflicts,
            existing=existing,
            excluded=excluded,
        )
    else:
        plan = assigning.assign_volunteers(
            proposals=proposal_ids,
            reviewers={rv.pk: rv.community for rv in pool},
            conflicts=conflicts,
            r=r,
            k=k,
            existing=existing,
            excluded=excluded,
        )
    return PlannedAssignment(
        plan=plan,
        conflicts=conflicts,
        proposals=proposals,
        pool=pool,
        reviews_per_proposal=r,
        max_per_reviewer=k,
    )


@dataclass
class AssignmentPreview:
    """Before assigning: the suggested r and k for the pool, and what assigning with r and k would give."""

    volunteers: int
    proposals: int
    suggested_reviews_per_proposal: int
    suggested_max_per_reviewer: int
    reviews_per_proposal: int
    max_per_reviewer: int
    new_assignments: int
    coverage: assigning.Coverage

    def as_dict(self) -> dict:
        per_proposal = list(self.coverage.reviews_per_proposal.values())
        per_reviewer = list(self.coverage.load_per_reviewer.values())
        return {
            "volunteers": self.volunteers,
            "proposals": self.proposals,
            "suggested_reviews_per_proposal": self.suggested_reviews_per_proposal,
            "suggested_max_per_reviewer": self.suggested_max_per_reviewer,
            "reviews_per_proposal": self.reviews_per_proposal,
            "max_per_reviewer": self.max_per_reviewer,
            "new_assignments": self.new_assignments,
            "reviews_per_proposal_min": min(per_proposal, default=0),
            "reviews_per_proposal_max": max(per_proposal, default=0),
            "reads_per_reviewer_min": min(per_reviewer, default=0),
            "reads_per_reviewer_max": max(per_reviewer, default=0),
            "reviewers_without_reading": sum(1 for n in per_reviewer if n == 0),
            "proposals_short": len(self.coverage.short),
            "conflicts_excluded": self.coverage.conflicts_excluded,
        }


def round_assignment_preview(
    rnd: Round, *, reviews_per_proposal: int | None = None, max_per_reviewer: int | None = None
) -> AssignmentPreview:
    """The suggested reviews per proposal for the pool (assigning.suggest_reviews) and what automatic
    assignment would give with r and k (given, else the round's): reviews per proposal and reads per
    reviewer, existing assignments included."""
    planned = round_assignment_plan(
        rnd, reviews_per_proposal=reviews_per_proposal, max_per_reviewer=max_per_reviewer
    )
    pool, submitted = len(planned.pool), len(planned.proposals)
    if rnd.review_mode == Round.ReviewMode.GUARDIAN:
        suggested_r, suggested_k = pool, submitted  # every guardian reads every proposal
    else:
        suggested_r, suggested_k = assigning.suggest_reviews(volunteers=pool, proposals=submitted)
    return AssignmentPreview(
        volunteers=pool,
        proposals=submitted,
        suggested_reviews_per_proposal=suggested_r,
        suggested_max_per_reviewer=suggested_k,
        reviews_per_proposal=planned.reviews_per_proposal,
        max_per_reviewer=planned.max_per_reviewer,
        new_assignments=len(planned.plan.new_pairs),
        coverage=planned.plan.coverage,
    )


def round_review_suggestion(rnd: Round) -> dict:
    """The pool, the submitted proposals and the suggested r and k (assigning.suggest_reviews)."""
    pool = rnd.reviewers.count()
    submitted = rnd.proposals.filter(status=Proposal.Status.SUBMITTED).count()
    r, k = assigning.suggest_reviews(volunteers=pool, proposals=submitted)
    return {"volunteers": pool, "proposals": submitted, "reviews_per_proposal": r, "max_per_reviewer": k}


def round_assignments(rnd: Round) -> QuerySet[ReviewAssignment]:
    """Every assignment of the round, recused ones too, with reviewer and proposal."""
    return (
        ReviewAssignment.objects.filter(proposal__round=rnd)
        .select_related("reviewer__user", "reviewer__member", "proposal")
        .order_by("proposal__title", "proposal_id", "id")
    )


def _reviews_pending(*, user) -> QuerySet[ReviewAssignment]:
    if not user.is_authenticated:
        return ReviewAssignment.objects.none()
    return ReviewAssignment.objects.filter(reviewer__user=user, status=ReviewAssignment.Status.ASSIGNED)


def review_pending_for(*, user, proposal: Proposal) -> ReviewAssignment | None:
    """The user's assignment to review this proposal while their review is not in (nor recused), else None."""
    return _reviews_pending(user=user).filter(proposal=proposal).first()


def reviews_withheld_from(*, user, proposals) -> set[int]:
    """Ids of those proposals the user is assigned to review (not recused) and has not reviewed yet: until
    theirs is in they see no other review of it, nor anything worked out from the reviews (scores, rank)."""
    return set(
        _reviews_pending(user=user).filter(proposal__in=proposals).values_list("proposal_id", flat=True)
    )


def reviews_visible_to(*, user, proposal: Proposal) -> QuerySet[Review]:
    """Reviews this user may read: an assigned reviewer, coordinator or not, sees others' only once theirs
    is in; other coordinators see all; anyone else none."""
    # A review exists only once submitted, so one still pending has nothing of the user's own to show.
    if can_manage(user, proposal.round.fund.network):
        visible = review_pending_for(user=user, proposal=proposal) is None
    else:
        visible = (
            user.is_authenticated
            and ReviewAssignment.objects.filter(
                proposal=proposal, reviewer__user=user, status=ReviewAssignment.Status.SUBMITTED
            ).exists()
        )
    if not visible:
        return Review.objects.none()
    return (
        Review.objects.filter(assignment__proposal=proposal, submitted_at__isnull=False)
        .select_related("assignment__reviewer__user", "assignment__reviewer__member")
        .prefetch_related("scores__criterion")
    )


def shareable_comments_for(*, user, proposal: Proposal) -> list[str]:
    """What an applicant may read of the reviews: shareable comments, only once the round is decided."""
    if not (is_applicant(user, proposal) and proposal.round.results_public):
        return []
    return [
        c
        for c in Review.objects.filter(
            assignment__proposal=proposal, submitted_at__isnull=False, shareable=True
        ).values_list("comment", flat=True)
        if c.strip()
    ]


def proposal_status_for(*, user, proposal: Proposal) -> str:
    """The status this user may see: applicants see awarded/declined only once the round is decided."""
    decided = proposal.status in (Proposal.Status.AWARDED, Proposal.Status.DECLINED)
    if decided and not proposal.round.results_public and not can_manage(user, proposal.round.fund.network):
        return Proposal.Status.SUBMITTED
    return proposal.status


def round_review_scores(rnd: Round) -> list[tuple[int, int, float]]:
    """(proposal id, reviewer id, weighted review score) for every submitted review of the round."""
    weights = {c.pk: float(c.weight) for c in rnd.criteria.all()}
    rows = []
    reviews = (
        Review.objects.filter(assignment__proposal__round=rnd, submitted_at__isnull=False)
        .select_related("assignment")
        .prefetch_related("scores")
    )
    for review in reviews:
        score = ranking.weighted_mean({s.criterion_id: s.score for s in review.scores.all()}, weights)
        if score is not None:
            rows.append((review.assignment.proposal_id, review.assignment.reviewer_id, score))
    return rows


def round_ranking(rnd: Round) -> tuple[ranking.Ranking, dict[int, Proposal]]:
    """The ranking of the round's reviewed proposals (submitted, awarded or declined), and the proposals."""
    proposals = {
        p.pk: p
        for p in rnd.proposals.filter(
            status__in=[Proposal.Status.SUBMITTED, Proposal.Status.AWARDED, Proposal.Status.DECLINED]
        ).select_related("lead")
    }
    result = ranking.rank_proposals(round_review_scores(rnd), proposals=list(proposals))
    return result, proposals


@dataclass
class RankingFor:
    """The ranking as one user may see it (see round_ranking_for)."""

    rows: list[tuple[ranking.ProposalScore, Proposal]]
    withheld: list[Proposal]  # proposals the user still has to review: shown without scores
    # The whole ranking, withheld scores included, and the withheld ids: for round_portfolios, never shown.
    ranked: ranking.Ranking
    proposals: dict[int, Proposal]
    hidden: set[int]


def round_ranking_for(*, user, rnd: Round) -> RankingFor:
    """The round's ranking for this user: proposals whose reviews are withheld from them come apart without
    scores, and the rest are ranked among themselves, so no gap in the ranks gives a withheld one's place."""
    result, proposals = round_ranking(rnd)
    hidden = reviews_withheld_from(user=user, proposals=list(proposals))
    rows, position = [], 0
    for score in result.proposals:
        if score.proposal in hidden:
            continue
        if score.rank is not None:
            position += 1
            score = replace(score, rank=position)
        rows.append((score, proposals[score.proposal]))
    withheld = sorted((proposals[pk] for pk in hidden), key=lambda p: (p.title.casefold(), p.pk))
    return RankingFor(rows=rows, withheld=withheld, ranked=result, proposals=proposals, hidden=hidden)


@dataclass
class PortfolioChoice:
    rank_order: ranking.Portfolio
    knapsack: ranking.Portfolio


def round_portfolios(rnd: Round, *, user, shown: RankingFor | None = None) -> PortfolioChoice | None:
    """Both portfolio suggestions over the proposals still undecided, within the budget not yet awarded.

    None when a proposal the user may suggest rests on reviews withheld from them: what is in or out, and
    the total score, would give its score away. `shown`: round_ranking_for(user, rnd), if already made.
    """
    if shown is None:
        shown = round_ranking_for(user=user, rnd=rnd)
    scores = {s.proposal: s.adjusted for s in shown.ranked.proposals}
    candidates = [
        p
        for p in shown.proposals.values()
        if p.status == Proposal.Status.SUBMITTED and scores.get(p.pk) is not None
    ]
    if any(p.pk in shown.hidden for p in candidates):
        return None
    items = [(p.pk, p.amount, scores[p.pk]) for p in candidates]
    return PortfolioChoice(
        rank_order=ranking.portfolio_rank_order(items, rnd.remaining_budget),
        knapsack=ranking.portfolio_knapsack(items, rnd.remaining_budget),
    )


def round_provenance(rnd: Round) -> str:
    return f"Round “{rnd.title}” of {rnd.fund.name} (#{rnd.pk})"[:200]


@dataclass
class NetworkEffect:
    newcomers: list[Member]
    new_ties: list[Relationship]


def _round_ties(rnd: Round) -> QuerySet[Relationship]:
    return Relationship.objects.filter(
        network=rnd.fund.network,
        provenance=Relationship.Provenance.FUND,
        provenance_detail=round_provenance(rnd),
    )


def round_network_effect(rnd: Round) -> NetworkEffect:
    """What the round's awards did to the network: organisations brought in and collaboration ties made."""
    newcomers = list(
        Member.objects.filter(
            fund_partnerships__is_newcomer=True,
            fund_partnerships__proposal__round=rnd,
            fund_partnerships__proposal__status=Proposal.Status.AWARDED,
        ).distinct()
    )
    ties = list(_round_ties(rnd).select_related("source", "target"))
    return NetworkEffect(newcomers=newcomers, new_ties=ties)


def reviewer_pool(rnd: Round) -> QuerySet[Reviewer]:
    return rnd.reviewers.select_related("user", "member")


@dataclass
class GranteeRow:
    award: Award
    midpoint: GranteeReport | None
    final: GranteeReport | None

    @property
    def latest(self) -> GranteeReport | None:
        return self.final or self.midpoint

    @property
    def spent(self) -> Decimal | None:
        return self.latest.spent if self.latest else None

    @property
    def spent_share(self) -> int | None:
        if self.spent is None or not self.award.amount:
            return None
        return round(100 * self.spent / self.award.amount)


@dataclass
class GranteeOverview:
    rows: list[GranteeRow]
    awarded: Decimal
    spent: Decimal
    midpoint_in: int
    final_in: int


def round_grantee_reports(rnd: Round) -> GranteeOverview:
    """Every award of the round with its midpoint and final reports, and totals spent against awarded."""
    awards = (
        Award.objects.filter(proposal__round=rnd)
        .select_related("proposal__lead")
        .prefetch_related("reports")
        .order_by("proposal__title", "id")
    )
    rows = []
    for award in awards:
        reports = {r.kind: r for r in award.reports.all()}
        rows.append(
            GranteeRow(
                award=award,
                midpoint=reports.get(GranteeReport.Kind.MIDPOINT),
                final=reports.get(GranteeReport.Kind.FINAL),
            )
        )
    return GranteeOverview(
        rows=rows,
        awarded=sum((r.award.amount for r in rows), Decimal("0")),
        spent=sum((r.spent for r in rows if r.spent is not None), Decimal("0")),
        midpoint_in=sum(1 for r in rows if r.midpoint),
        final_in=sum(1 for r in rows if r.final),
    )


@dataclass
class SnapshotChange:
    """The network before the round was decided against now; `comparison` is None when impossible."""

    woven_at: object | None  # when the awards' partners joined the network: the decision
    older: Snapshot | None
    newer: Snapshot | None
    comparison: dict | None
    # Why there is no comparison: "no_snapshots", "no_award", "not_decided", "none_before", "none_since", ""
    reason: str
    # The round's ties in the newer snapshot's detected communities (None without a snapshot); typed-in
    # communities would miss newcomers, which have none.
    round_ties: int = 0
    ties_across_communities: int | None = None
    ties_unplaced: int = 0


def round_snapshot_change(rnd: Round) -> SnapshotChange:
    """snapshot_compare of the latest done snapshot before the round was decided and the latest one now."""
    network = rnd.fund.network
    first_award_at = (
        Award.objects.filter(proposal__round=rnd)
        .order_by("awarded_at")
        .values_list("awarded_at", flat=True)
        .first()
    )
    # Rounds decided before decided_at was recorded wove their partners in at the first award.
    woven_at = (rnd.decided_at or first_award_at) if rnd.results_public and first_award_at else None
    done = network_selectors.snapshots_done(network=network)
    newer = done.first()
    older = done.filter(finished_at__lt=woven_at).first() if woven_at else None
    if newer is None:
        reason = "no_snapshots"
    elif first_award_at is None:
        reason = "no_award"
    elif woven_at is None:
        reason = "not_decided"
    elif older is None:
        reason = "none_before"
    elif older.pk == newer.pk:
        reason = "none_since"
    else:
        reason = ""
    comparison = network_selectors.snapshot_compare(older=older, newer=newer) if not reason else None
    ties = list(_round_ties(rnd).values_list("source_id", "target_id"))
    crossings = network_selectors.ties_across_communities(snapshot=newer, ties=ties) if newer else None
    return SnapshotChange(
        woven_at=woven_at,
        older=older,
        newer=newer,
        comparison=comparison,
        reason=reason,
        round_ties=len(ties),
        ties_across_communities=crossings.across if crossings else None,
        ties_unplaced=crossings.unplaced if crossings else 0,
    )
