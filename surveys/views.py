"""Survey pages. Coordinators' pages fetch the network through networks.permissions and the campaign
through surveys.permissions; respondents' pages are reached by personal link, checked by
selectors.invitation_for_link, and never need a login."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFieldsSent, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from networks import permissions
from networks.forms import add_service_errors
from networks.importing import neutralise
from networks.models import Member, Network
from surveys import selectors, services
from surveys.forms import CampaignForm, InviteForm, PendingDecisionForm, PendingForm, parse_answers
from surveys.models import (
    HEALTH_AREAS,
    TRUST_FIELDS,
    VALUE_FIELDS,
    Campaign,
    Nomination,
    PendingMember,
)
from surveys.permissions import campaigns_for_user, get_campaign


def _context(request, network: Network, **extra) -> dict:
    return {
        "network": network,
        "can_edit": permissions.can_edit(request.user, network),
        "nav": "surveys",
        **extra,
    }


@login_required
@require_safe
def campaign_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    mine = selectors.open_invitations_of(network=network, user=request.user)
    context = _context(request, network, campaigns=campaigns_for_user(request.user, network), mine=mine)
    return render(request, "surveys/campaign_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = CampaignForm(
        request.POST or None, initial={"opens_at": now, "closes_at": now + timezone.timedelta(days=21)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(user=request.user, network=network, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The survey “{campaign.title}” was created as a draft.")
            return redirect(campaign)
    return render(request, "surveys/campaign_create.html", _context(request, network, form=form))


def _campaign(request, slug, pk, *, manage=True) -> tuple[Network, Campaign]:
    network = permissions.get_network_for_user(request.user, slug)
    return network, get_campaign(request.user, network, pk, manage=manage)


@login_required
@require_safe
def campaign_detail(request, slug, pk):
    network, campaign = _campaign(request, slug, pk)
    results = selectors.campaign_results(campaign=campaign, with_members=True, reader=request.user)
    context = _context(
        request,
        network,
        campaign=campaign,
        progress=selectors.campaign_progress(campaign=campaign),
        not_answered=selectors.invitations_not_answered(campaign=campaign),
        pending=campaign.pending_members.filter(status=PendingMember.Status.PENDING),
        results=results,
        comparison=selectors.campaign_comparison(campaign=campaign, results=results),
        invite_form=InviteForm(network=network),
        decision_members=Member.objects.active().filter(network=network).order_by("name"),
        audit=campaign.audit_entries.all()[:20],
        areas=HEALTH_AREAS,
    )
    return render(request, "surveys/campaign_detail.html", context)


@login_required
@require_safe
def campaign_progress(request, slug, pk):
    network, campaign = _campaign(request, slug, pk)
    context = {
        "network": network,
        "campaign": campaign,
        "progress": selectors.campaign_progress(campaign=campaign),
    }
    return render(request, "surveys/_progress.html", context)


@login_required
@require_safe
def campaign_results(request, slug, pk):
    network, campaign = _campaign(request, slug, pk, manage=False)
    results = selectors.campaign_results(campaign=campaign, with_members=False)
    comparison = selectors.campaign_comparison(campaign=campaign, results=results)
    return render(
        request,
        "surveys/campaign_results.html",
        _context(
            request, network, campaign=campaign, results=results, comparison=comparison, areas=HEALTH_AREAS
        ),
    )


@login_required
@require_POST
def campaign_status(request, slug, pk):
    _network, campaign = _campaign(request, slug, pk)
    try:
        services.campaign_set_status(
            user=request.user, campaign=campaign, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The survey is now {campaign.get_status_display().lower()}.")
    return redirect(campaign)


@login_required
@require_POST
def campaign_invite(request, slug, pk):
    network, campaign = _campaign(request, slug, pk)
    form = InviteForm(request.POST, network=network)
    try:
        if not form.is_valid():
            raise ValidationError("Choose who to invite.")
        created = services.invitations_create(user=request.user, campaign=campaign, members=form.members())
        sent = (
            services.invitations_send(user=request.user, campaign=campaign) if campaign.is_answerable() else 0
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        note = (
            f" {sent} e-mail{'s' if sent != 1 else ''} on the way."
            if sent
            else " Open the survey to send the e-mails."
        )
        messages.success(request, f"{len(created)} new invitation{'s' if len(created) != 1 else ''}.{note}")
    return redirect(campaign)


@login_required
@require_POST
def campaign_remind(request, slug, pk):
    _network, campaign = _campaign(request, slug, pk)
    invitations = None
    if request.POST.get("invitation"):
        invitations = list(
            selectors.invitations_not_answered(campaign=campaign).filter(pk=request.POST["invitation"])
        )
    if not campaign.is_answerable():
        messages.error(request, "Reminders go out only while the survey is open.")
    else:
        count = services.invitations_send(
            user=request.user, campaign=campaign, invitations=invitations, reminder=True
        )
        messages.success(request, f"{count} reminder{'s' if count != 1 else ''} on the way.")
    return redirect(campaign)


@login_required
@require_POST
def invitation_revoke(request, slug, pk, invitation_pk):
    _network, campaign = _campaign(request, slug, pk)
    invitation = campaign.invitations.filter(pk=invitation_pk).first()
    if invitation is None:
        return HttpResponse(status=404)
    services.invitation_revoke(user=request.user, invitation=invitation)
    messages.success(request, f"{invitation.member}'s link no longer works.")
    return redirect(campaign)


@login_required
@require_POST
def pending_decide(request, slug, pk, pending_pk):
    network, campaign = _campaign(request, slug, pk)
    pending = campaign.pending_members.filter(pk=pending_pk).first()
    form = PendingDecisionForm(request.POST, network=network)
    if pending is None:
        return HttpResponse(status=404)
    try:
        if not form.is_valid():
            raise ValidationError("Choose approve, merge (with a member) or reject.")
        services.pending_decide(user=request.user, pending=pending, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{pending.name}: {pending.get_status_display().lower()}.")
    return redirect(campaign)


@login_required
@require_safe
def campaign_export(request, slug, pk):
    network, campaign = _campaign(request, slug, pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Respondent",
            "Submitted",
            "Question",
            "Named",
            "New person",
            "Frequency",
            "Strength",
            *TRUST_FIELDS,
            *VALUE_FIELDS,
        ]
    )
    rows = (
        selectors.nominations_for_reader(campaign=campaign, user=request.user)
        .select_related("response__invitation__member", "question", "member", "pending")
        .order_by("response__invitation__member__name", "question__position", "pk")
    )
    for n in rows:
        row = [
            n.response.invitation.member.name,
            n.response.submitted_at.isoformat() if n.response.submitted_at else "",
            n.question.text,
            n.member.name if n.member else "",
            n.pending.name if n.pending else "",
            n.frequency,
            n.strength,
            *[getattr(n, f) for f in TRUST_FIELDS + VALUE_FIELDS],
        ]
        writer.writerow([neutralise(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-survey-{campaign.pk}.csv"'
    return response


# Respondents: personal links, no login.


def _link_error(request, error: selectors.LinkError):
    if _wants_json(request):
        return JsonResponse({"error": error.message}, status=error.status)
    return render(request, "surveys/answer_unavailable.html", {"message": error.message}, status=error.status)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, campaign_pk, token):
    try:
        invitation = selectors.invitation_for_link(campaign_pk=campaign_pk, token=token)
    except selectors.LinkError as error:
        return _link_error(request, error)
    campaign = invitation.campaign
    try:
        action = request.POST.get("action", "")
    except TooManyFieldsSent:
        cap = settings.WEAVER_SURVEY_MAX_CONTACTS
        message = f"Too many answers at once: name at most {cap} people per question."
        if _wants_json(request):
            return JsonResponse({"errors": [message]}, status=400)
        return render(
            request, "surveys/answer_unavailable.html", {"message": message, "retry": True}, status=400
        )
    has_response = hasattr(invitation, "response")
    if request.method == "POST" and action == "consent":
        if request.POST.get("consent") != "yes":
            return render(
                request,
                "surveys/answer_consent.html",
                {
                    "invitation": invitation,
                    "campaign": campaign,
                    "error": "Tick the box to agree before answering.",
                },
                status=400,
            )
        services.response_consent(invitation=invitation)
        return redirect(request.path)
    if not has_response:
        if request.method == "POST":
            return render(
                request,
                "surveys/answer_consent.html",
                {
                    "invitation": invitation,
                    "campaign": campaign,
                    "error": "Agree to the terms first: nothing is stored before that.",
                },
                status=400,
            )
        return render(
            request, "surveys/answer_consent.html", {"invitation": invitation, "campaign": campaign}
        )
    errors: list[str] = []
    if request.method == "POST" and action == "withdraw":
        if request.POST.get("confirm") != "yes":
            errors.append("Tick the box to confirm that you want to withdraw.")
        else:
            services.response_withdraw(invitation=invitation)
            return render(request, "surveys/answer_withdrawn.html", {"campaign": campaign})
    elif request.method == "POST" and action in {"save", "submit"}:
        try:
            answers = parse_answers(request.POST, campaign=campaign)
            response = services.response_save(
                invitation=invitation, answers=answers, submit=action == "submit"
            )
        except ValidationError as error:
            if _wants_json(request):
                return JsonResponse({"errors": error.messages}, status=400)
            errors = error.messages
        else:
            if _wants_json(request):
                return JsonResponse(
                    {"saved": response.updated_at.isoformat(), "submitted": bool(response.submitted_at)}
                )
            if action == "submit":
                messages.success(
                    request,
                    "Thank you: your answers are in. You can change them while the survey is open.",
                )
            else:
                messages.success(request, "Saved. You can come back to this link to carry on.")
            return redirect(request.path)
    invitation.refresh_from_db()
    context = {
        "invitation": invitation,
        "campaign": campaign,
        "questions": campaign.questions.all(),
        "saved": selectors.answers_of(invitation=invitation),
        "frequencies": Nomination.Frequency.choices,
        "trust_fields": TRUST_FIELDS,
        "value_fields": VALUE_FIELDS,
        "areas": HEALTH_AREAS,
        "errors": errors,
        "max_contacts": settings.WEAVER_SURVEY_MAX_CONTACTS,
    }
    return render(request, "surveys/answer.html", context, status=400 if errors else 200)


@never_cache
@require_GET
def answer_search(request, campaign_pk, token):
    try:
        invitation = selectors.invitation_for_link(campaign_pk=campaign_pk, token=token)
    except selectors.LinkError as error:
        return JsonResponse({"error": error.message}, status=error.status)
    if not hasattr(invitation, "response"):
        return JsonResponse({"error": "Agree to the terms first."}, status=403)
    return JsonResponse(
        {"results": selectors.roster_search(invitation=invitation, q=request.GET.get("q", ""))}
    )


@never_cache
@require_POST
def answer_pending(request, campaign_pk, token):
    try:
        invitation = selectors.invitation_for_link(campaign_pk=campaign_pk, token=token)
    except selectors.LinkError as error:
        return JsonResponse({"error": error.message}, status=error.status)
    if not hasattr(invitation, "response"):
        return JsonResponse({"error": "Agree to the terms first."}, status=403)
    form = PendingForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": [e for errs in form.errors.values() for e in errs]}, status=400)
    try:
        pending = services.pending_add(invitation=invitation, **form.cleaned_data)
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=400)
    return JsonResponse(
        {"id": f"p{pending.pk}", "name": pending.name, "organisation": pending.organisation, "pending": True}
    )
