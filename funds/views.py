"""Fund pages, under /networks/<slug>/funds/.

Thin views: the network comes from networks.permissions, rounds, proposals and assignments from
funds.permissions (coordinators manage; applicants see their own proposals; reviewers their own
assignments; anything else a 404); writes go through funds.services, whose errors become form errors.
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from funds import permissions as fund_permissions
from funds import selectors, services
from funds.assignment import coverage_of
from funds.forms import (
    AssignmentAddForm,
    AwardForm,
    DesignGroupForm,
    FundForm,
    ProposalForm,
    ReasonForm,
    ReportForm,
    ReviewerAddForm,
    ReviewForm,
    ReviewLoadForm,
    RoundEditForm,
    RoundForm,
    SignUpForm,
    TransitionForm,
)
from funds.models import Proposal, ReviewAssignment, Round
from networks import permissions
from networks.forms import add_service_errors
from networks.models import Member, Network


def _context(request, network: Network, **extra) -> dict:
    return {
        "network": network,
        "can_edit": permissions.can_edit(request.user, network),
        "nav": "funds",
        **extra,
    }


def _manager(request, slug) -> Network:
    network = permissions.get_network_for_user(request.user, slug)
    if not fund_permissions.can_manage(request.user, network):
        raise PermissionDenied("Only the network's coordinators can do this.")
    return network


def _round_url(rnd: Round, name="funds:round-detail") -> str:
    return reverse(name, kwargs={"slug": rnd.fund.network.slug, "pk": rnd.pk})


@login_required
@require_http_methods(["GET", "POST"])
def fund_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    can_manage = fund_permissions.can_manage(request.user, network)
    form = FundForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the network's coordinators can start a fund.")
        if form.is_valid():
            try:
                fund = services.fund_create(user=request.user, network=network, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The fund “{fund.name}” was started.")
                return redirect("funds:fund-list", slug=slug)
    rounds = fund_permissions.rounds_for_user(request.user, network).order_by("fund__name", "-opens_on")
    my_proposals = [
        p
        for p in fund_permissions.proposals_for_user(request.user, network)
        if fund_permissions.is_applicant(request.user, p)
    ]
    context = _context(
        request,
        network,
        funds=network.funds.all(),
        rounds=rounds,
        my_proposals=my_proposals,
        can_manage=can_manage,
        form=form,
        has_reviews=fund_permissions.assignments_for_user(request.user, network).exists(),
    )
    return render(request, "funds/fund_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request, slug, fund_pk):
    network = _manager(request, slug)
    fund = fund_permissions.get_fund(network, fund_pk)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "criteria"}
        try:
            rnd = services.round_create(user=request.user, fund=fund, criteria=form.criteria_list(), **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The round “{rnd.title}” was set up as a draft.")
            return redirect(_round_url(rnd))
    return render(request, "funds/round_create.html", _context(request, network, form=form, fund=fund))


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, slug, pk):
    """Coordinators change a round's settings, dates and sharing session, and its rubric until review."""
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    form = RoundEditForm(request.POST or None, round=rnd)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(
                user=request.user, round=rnd, criteria=form.criteria_or_none(), **form.round_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The round's settings were saved.")
            return redirect(_round_url(rnd))
    return render(request, "funds/round_edit.html", _context(request, network, round=rnd, form=form))


@login_required
@require_safe
def round_detail(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    can_manage = fund_permissions.can_manage(request.user, network)
    context = _context(request, network, round=rnd, can_manage=can_manage)
    if can_manage:
        context["field_warnings"] = rnd.field_warnings()
        proposals = rnd.proposals.select_related("lead").prefetch_related("partners__organisation")
        context.update(
            proposals=proposals,
            counts=dict(Counter(p.get_status_display().lower() for p in proposals)),
            next_statuses=[Round.Status(s) for s in Round.TRANSITIONS[rnd.status]],
            reviewers=selectors.reviewer_pool(rnd),
            reviewer_form=ReviewerAddForm(network=network),
            design_group=[d.member for d in rnd.design_group.select_related("member")],
            effect=selectors.round_network_effect(rnd),
            change=selectors.round_snapshot_change(rnd),
            public_url=request.build_absolute_uri(
                reverse("funds:round-join", kwargs={"slug": slug, "token": rnd.public_token})
            ),
        )
    else:
        context["my_proposals"] = [
            p for p in rnd.proposals.all() if fund_permissions.is_applicant(request.user, p)
        ]
    return render(request, "funds/round_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_design_group(request, slug, pk):
    """Coordinators pick the round's design group: the people who shape it and so may not apply."""
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    current = [d.member for d in rnd.design_group.select_related("member")]
    form = DesignGroupForm(request.POST or None, network=network, initial={"members": current})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.design_group_set(
                user=request.user, round=rnd, members=form.cleaned_data["members"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The design group now has {len(group)} people.")
            return redirect(_round_url(rnd))
    context = _context(request, network, round=rnd, form=form, current=current)
    return render(request, "funds/round_design_group.html", context)


@login_required
@require_POST
def round_transition(request, slug, pk):
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.round_transition(user=request.user, round=rnd, status=form.cleaned_data["status"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The round is now “{rnd.get_status_display()}”.")
    return redirect(_round_url(rnd))


@login_required
@require_POST
def reviewer_add(request, slug, pk):
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    form = ReviewerAddForm(request.POST, network=network)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.reviewer_add(
                user=request.user,
                round=rnd,
                reviewer_user=person.user,
                member=person,
                is_guardian=form.cleaned_data["is_guardian"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{person} joined the reviewer pool.")
    else:
        messages.error(request, "Pick a person with a login.")
    return redirect(_round_url(rnd))


@login_required
@require_http_methods(["GET", "POST"])
def round_assignments(request, slug, pk):
    """Who reviews what, the coverage report, and the button that assigns automatically."""
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    preview_form = ReviewLoadForm(request.POST if "set_reviews" in request.POST else request.GET or None)
    if request.method == "POST" and "set_reviews" in request.POST:
        try:
            if not preview_form.is_valid():
                raise ValidationError("Give whole numbers from 1 to 1,000.")
            services.round_update(user=request.user, round=rnd, **preview_form.round_fields())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Each proposal now gets {rnd.reviews_per_proposal} reviews, and no reviewer more than "
                f"{rnd.max_per_reviewer} proposals.",
            )
        return redirect(_round_url(rnd, "funds:round-assignments"))
    if request.method == "POST":
        try:
            result = services.reviewers_assign(user=request.user, round=rnd)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{len(result.created)} new assignments; reviewers were e-mailed.")
        return redirect(_round_url(rnd, "funds:round-assignments"))
    # The preview runs the whole assignment without saving (seconds on a big round): only when asked.
    preview = None
    if "preview" in request.GET and preview_form.is_valid():
        preview = selectors.round_assignment_preview(rnd, **preview_form.round_fields()).as_dict()
    proposals = list(rnd.proposals.filter(status=Proposal.Status.SUBMITTED).select_related("lead"))
    pool = list(selectors.reviewer_pool(rnd))
    assignments = list(
        ReviewAssignment.objects.filter(proposal__round=rnd).select_related(
            "reviewer__user", "reviewer__member"
        )
    )
    conflicts = selectors.round_conflicts(rnd, proposals=proposals, reviewers=pool)
    active = [
        (a.reviewer_id, a.proposal_id) for a in assignments if a.status != ReviewAssignment.Status.RECUSED
    ]
    target = rnd.reviews_per_proposal if rnd.review_mode == Round.ReviewMode.VOLUNTEER else len(pool)
    coverage = coverage_of(
        pairs=active,
        proposals=[p.pk for p in proposals],
        reviewers=[r.pk for r in pool],
        conflicts=conflicts,
        r=target,
    )
    by_proposal: dict[int, list] = {p.pk: [] for p in proposals}
    for a in assignments:
        by_proposal.setdefault(a.proposal_id, []).append(a)
    names = {r.pk: r for r in pool}
    conflicted: dict[int, list] = {p.pk: [] for p in proposals}
    for (reviewer_id, proposal_id), reasons in sorted(conflicts.items()):
        conflicted[proposal_id].append((names[reviewer_id], selectors.conflict_text(reasons)))
    rows = [(p, by_proposal[p.pk], coverage.reviews_per_proposal[p.pk], conflicted[p.pk]) for p in proposals]
    loads = [(r, coverage.load_per_reviewer[r.pk]) for r in pool]
    context = _context(
        request,
        network,
        round=rnd,
        rows=rows,
        loads=loads,
        coverage=coverage,
        add_form=AssignmentAddForm(round=rnd),
        preview=preview,
        suggestion=selectors.round_review_suggestion(rnd),
        can_adjust=rnd.status in (Round.Status.OPEN, Round.Status.REVIEW),
    )
    return render(request, "funds/round_assignments.html", context)


@login_required
@require_POST
def round_assignments_adjust(request, slug, pk):
    """Add one reviewer to a proposal, or take one assignment away, by hand."""
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    back = redirect(_round_url(rnd, "funds:round-assignments"))
    if "remove" in request.POST:
        assignment = ReviewAssignment.objects.filter(
            proposal__round=rnd, pk=request.POST["remove"] if request.POST["remove"].isdigit() else None
        ).first()
        if assignment is None:
            messages.error(request, "That assignment no longer exists.")
            return back
        add, remove = (), [assignment]
        done = f"{assignment.reviewer} no longer reviews “{assignment.proposal}”."
    else:
        form = AssignmentAddForm(request.POST, round=rnd)
        if not form.is_valid():
            messages.error(request, "Pick a reviewer from the pool and a submitted proposal.")
            return back
        reviewer, proposal = form.cleaned_data["reviewer"], form.cleaned_data["proposal"]
        add, remove = [(reviewer, proposal)], ()
        done = f"{reviewer} now reviews “{proposal}”; they were e-mailed."
    try:
        services.assignment_adjust(user=request.user, round=rnd, add=add, remove=remove)
    except ValidationError as error:
        messages.error(request, "Not changed: " + " ".join(error.messages))
    else:
        messages.success(request, done)
    return back


@login_required
@require_safe
def round_ranking(request, slug, pk):
    """The ranking with each column explained, and both portfolio suggestions side by side."""
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    shown = selectors.round_ranking_for(user=request.user, rnd=rnd)
    choice = selectors.round_portfolios(rnd, user=request.user, shown=shown)
    proposals = {p.pk: p for _, p in shown.rows}

    def named(ids):
        return [proposals[i] for i in ids]

    context = _context(
        request,
        network,
        round=rnd,
        rows=shown.rows,
        withheld=shown.withheld,
        choice=choice,
        awards=rnd.proposals.filter(status=Proposal.Status.AWARDED).select_related("award"),
    )
    if choice is not None:
        context.update(
            rank_funded=named(choice.rank_order.funded),
            rank_left=named(choice.rank_order.left_out),
            knap_funded=named(choice.knapsack.funded),
            knap_left=named(choice.knapsack.left_out),
        )
    return render(request, "funds/round_ranking.html", context)


@login_required
@require_safe
def round_reports(request, slug, pk):
    """Grantee reports of a round: who reported at midpoint and at the end, spent against awarded, lessons."""
    network = _manager(request, slug)
    rnd = fund_permissions.get_round(request.user, network, pk)
    context = _context(request, network, round=rnd, overview=selectors.round_grantee_reports(rnd))
    return render(request, "funds/round_reports.html", context)


@login_required
@require_POST
def proposal_award(request, slug, pk):
    network = _manager(request, slug)
    proposal = fund_permissions.get_proposal(request.user, network, pk)
    form = AwardForm(request.POST)
    if form.is_valid():
        try:
            award = services.award_make(
                user=request.user, proposal=proposal, amount=form.cleaned_data["amount"]
            )
        except ValidationError as error:
            messages.error(request, f"“{proposal}”: " + " ".join(error.messages))
        else:
            spend_by = date_format(award.spend_by)
            messages.success(request, f"Awarded {award.amount:,.0f} to “{proposal}”, to spend by {spend_by}.")
    else:
        messages.error(request, "Enter the amount to award.")
    return redirect(_round_url(proposal.round, "funds:round-ranking"))


@login_required
@require_POST
def proposal_decline(request, slug, pk):
    network = _manager(request, slug)
    proposal = fund_permissions.get_proposal(request.user, network, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_decline(
                user=request.user, proposal=proposal, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"“{proposal}” was declined.")
    else:
        messages.error(request, "Give the applicant a reason.")
    return redirect(_round_url(proposal.round, "funds:round-ranking"))


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, slug, round_pk, pk=None):
    """The applicant's page: save a draft, or submit it and see every eligibility rule it fails."""
    network = permissions.get_network_for_user(request.user, slug)
    rnd = fund_permissions.get_round(request.user, network, round_pk)
    proposal = None
    if pk is not None:
        proposal = fund_permissions.get_proposal(request.user, network, pk)
        if proposal.round_id != rnd.pk or proposal.submitted_by_id != request.user.pk:
            raise PermissionDenied("Only the applicant who started this proposal can change it.")
    initial = {"lead": Member.objects.filter(network=network, user=request.user).people().first()}
    if proposal is not None:
        initial = {
            "title": proposal.title,
            "summary": proposal.summary,
            "amount": proposal.amount,
            "lead": proposal.lead,
            "is_new_project": proposal.is_new_project,
            "partners": [
                pp.organisation for pp in proposal.partners.all() if pp.organisation_id and not pp.is_newcomer
            ],
            "new_partners": "\n".join(pp.new_name for pp in proposal.partners.all() if pp.is_newcomer),
        }
    form = ProposalForm(request.POST or None, network=network, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_save_draft(
                user=request.user, round=rnd, proposal=proposal, **form.service_kwargs()
            )
            if "submit" in request.POST:
                services.proposal_submit(user=request.user, proposal=proposal)
                messages.success(request, "Your proposal was submitted. Thank you!")
            else:
                messages.success(request, "Your draft was saved.")
        except ValidationError as error:
            add_service_errors(form, error, aliases={"round": None})
            if proposal is not None and proposal.pk and "submit" in request.POST:
                messages.info(
                    request, "Your draft was saved; it can be submitted once the problems below are fixed."
                )
        else:
            return redirect("funds:proposal-detail", slug=slug, pk=proposal.pk)
    context = _context(request, network, round=rnd, proposal=proposal, form=form)
    return render(request, "funds/proposal_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    proposal = fund_permissions.get_proposal(request.user, network, pk)
    is_applicant = fund_permissions.is_applicant(request.user, proposal)
    can_manage = fund_permissions.can_manage(request.user, network)
    status = selectors.proposal_status_for(user=request.user, proposal=proposal)
    award = getattr(proposal, "award", None) if status == Proposal.Status.AWARDED else None
    report_form = ReportForm(request.POST or None) if award and (is_applicant or can_manage) else None
    if request.method == "POST":
        if report_form is None:
            raise PermissionDenied("Only the grantee or a coordinator can report on this grant.")
        if report_form.is_valid():
            try:
                services.grantee_report_submit(user=request.user, award=award, **report_form.cleaned_data)
            except ValidationError as error:
                add_service_errors(report_form, error)
            else:
                messages.success(request, "Thank you for your report.")
                return redirect("funds:proposal-detail", slug=slug, pk=proposal.pk)
    context = _context(
        request,
        network,
        proposal=proposal,
        round=proposal.round,
        status=status,
        status_label=Proposal.Status(status).label,
        is_applicant=is_applicant,
        can_manage=can_manage,
        award=award,
        report_form=report_form,
        reviews=selectors.reviews_visible_to(user=request.user, proposal=proposal) if can_manage else [],
        my_pending_review=selectors.review_pending_for(user=request.user, proposal=proposal)
        if can_manage
        else None,
        comments=selectors.shareable_comments_for(user=request.user, proposal=proposal),
        problems=selectors.proposal_eligibility_problems(proposal)
        if proposal.status == Proposal.Status.DRAFT and is_applicant
        else [],
    )
    return render(request, "funds/proposal_detail.html", context)


@login_required
@require_safe
def my_reviews(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    assignments = fund_permissions.assignments_for_user(request.user, network).order_by(
        "status", "proposal__round", "proposal__title"
    )
    return render(request, "funds/my_reviews.html", _context(request, network, assignments=assignments))


@login_required
@require_http_methods(["GET", "POST"])
def review_form(request, slug, pk):
    """One of my assignments: the proposal, the rubric form, and others' reviews once mine is in."""
    network = permissions.get_network_for_user(request.user, slug)
    assignment = get_object_or_404(fund_permissions.assignments_for_user(request.user, network), pk=pk)
    proposal = assignment.proposal
    criteria = proposal.round.criteria.all()
    existing = getattr(assignment, "review", None)
    initial = {}
    if existing is not None:
        initial = {"comment": existing.comment, "shareable": existing.shareable}
        initial.update({f"score_{s.criterion_id}": s.score for s in existing.scores.all()})
    form = ReviewForm(
        request.POST or None,
        criteria=criteria,
        initial=initial,
        read_only=assignment.status == ReviewAssignment.Status.SUBMITTED,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit(
                user=request.user,
                assignment=assignment,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                shareable=form.cleaned_data["shareable"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Your review is in. You can now read the other reviews of this proposal."
            )
            return redirect("funds:review-form", slug=slug, pk=assignment.pk)
    others = [
        r
        for r in selectors.reviews_visible_to(user=request.user, proposal=proposal)
        if r.assignment_id != assignment.pk
    ]
    context = _context(
        request,
        network,
        assignment=assignment,
        proposal=proposal,
        round=proposal.round,
        form=form,
        recuse_form=ReasonForm(),
        others=others,
        can_review=proposal.round.status == Round.Status.REVIEW
        and assignment.status != ReviewAssignment.Status.RECUSED,
    )
    return render(request, "funds/review_form.html", context)


@login_required
@require_POST
def review_recuse(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    assignment = get_object_or_404(fund_permissions.assignments_for_user(request.user, network), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say briefly why you are stepping back.")
        return redirect("funds:review-form", slug=slug, pk=pk)
    try:
        services.review_recuse(user=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("funds:review-form", slug=slug, pk=pk)
    messages.success(request, "You stepped back from this review; it goes to another reviewer.")
    return redirect("funds:my-reviews", slug=slug)


@require_http_methods(["GET", "POST"])
def round_join(request, slug, token):
    """The round's public link: a visitor signs up (or logs in) and joins the network as a member to apply."""
    rnd = get_object_or_404(
        Round.objects.select_related("fund__network"), public_token=token, fund__network__slug=slug
    )
    if request.user.is_authenticated:
        try:
            services.round_join(user=request.user, round=rnd)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("networks:network-list")
        return redirect("funds:proposal-create", slug=slug, round_pk=rnd.pk)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.round_sign_up(
                round=rnd,
                name=form.cleaned_data["name"],
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            add_service_errors(form, error, aliases={"round": None})
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {rnd.fund.network.name}! Your account is ready.")
            return redirect("funds:proposal-create", slug=slug, round_pk=rnd.pk)
    context = {"round": rnd, "form": form, "is_open": rnd.status == Round.Status.OPEN}
    return render(request, "funds/round_join.html", context)
