"""Pages for learning clusters, under /networks/<slug>/clusters/.

Thin views: the network comes from networks.permissions, the cluster from clusters.permissions
(coordinators and the cluster's facilitators manage; people taking part read; anyone else gets a 404),
writes go through clusters.services and their warnings are shown as messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clusters import permissions as cluster_permissions
from clusters import services
from clusters.candidates import candidates_for_cluster, candidates_propose
from clusters.forms import (
    AttendanceForm,
    CandidatePickForm,
    CaptureForm,
    ClusterForm,
    FollowUpStatusForm,
    LessonForm,
    PeerAssistForm,
    PersonForm,
    ProjectForm,
    SessionForm,
    cluster_peer_assists,
)
from clusters.handbook import handbook_filename, handbook_html, handbook_markdown
from clusters.models import Attendance, LearningCluster
from clusters.selectors import (
    cluster_network_effect,
    cluster_stats,
    cluster_warnings,
    peer_assist_warnings,
)
from funds.permissions import get_round
from networks import permissions
from networks.forms import add_service_errors
from networks.models import Member, Network, Role, Tag
from weaver.lib.csp import allow_inline_styles_of


def _context(request, network: Network, cluster: LearningCluster | None = None, **extra) -> dict:
    return {
        "network": network,
        "can_edit": permissions.can_edit(request.user, network),
        "nav": "clusters",
        "cluster": cluster,
        "can_manage": cluster is not None and cluster_permissions.can_manage_cluster(request.user, cluster),
        **extra,
    }


def _cluster(request, slug, pk, *, manage=False) -> tuple[Network, LearningCluster]:
    network = permissions.get_network_for_user(request.user, slug)
    return network, cluster_permissions.get_cluster_for_user(request.user, network, pk, manage=manage)


def _warn(request, warnings) -> None:
    for warning in warnings:
        messages.warning(request, warning)


@login_required
@require_safe
def cluster_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    clusters = (
        cluster_permissions.clusters_for_user(request.user, network)
        .prefetch_related("strategy_tags", "facilitators")
        .order_by("status", "name")
    )
    context = _context(
        request,
        network,
        clusters=clusters,
        can_create=cluster_permissions.can_create_cluster(request.user, network),
    )
    return render(request, "clusters/cluster_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cluster_create(request, slug):
    """The forming page: pick a strategy, read the proposed candidates and their reasons, pick, create."""
    network = permissions.get_network_for_user(request.user, slug)
    if not cluster_permissions.can_create_cluster(request.user, network):
        raise PermissionDenied("Only coordinators and facilitators can start a cluster.")
    tag_ids = request.GET.getlist("tag") or request.POST.getlist("strategy_tags")
    tags = list(Tag.objects.filter(network=network, pk__in=[t for t in tag_ids if str(t).isdigit()]))
    candidates = candidates_propose(network=network, tags=tags) if tags else []
    initial = {
        "strategy_tags": tags,
        "facilitators": [request.user]
        if permissions.has_role(request.user, network, Role.FACILITATOR)
        else [],
        "name": f"{tags[0].name} learning cluster" if tags else "",
    }
    form = ClusterForm(request.POST or None, network=network, initial=initial)
    picks = CandidatePickForm(
        request.POST or None,
        network=network,
        initial={"organisations": [c.organisation_id for c in candidates]},
    )
    if request.method == "POST" and form.is_valid() and picks.is_valid():
        try:
            cluster, warnings = services.cluster_create(
                user=request.user,
                network=network,
                organisations=picks.cleaned_data["organisations"],
                **form.service_kwargs(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The cluster “{cluster.name}” was created.")
            _warn(request, warnings)
            return redirect(cluster)
    context = _context(
        request,
        network,
        form=form,
        picks=picks,
        candidates=candidates,
        chosen_tags=tags,
        all_tags=Tag.objects.filter(network=network, members__kind=Member.Kind.ORGANISATION).distinct(),
    )
    return render(request, "clusters/cluster_create.html", context)


@login_required
@require_safe
def cluster_detail(request, slug, pk):
    network, cluster = _cluster(request, slug, pk)
    context = _context(
        request,
        network,
        cluster,
        participants=cluster.participants.select_related("organisation"),
        people=cluster.people.select_related("person", "participant__organisation"),
        sessions=cluster.sessions.all(),
        stats=cluster_stats(cluster=cluster),
        effect=cluster_network_effect(cluster=cluster),
        warnings=cluster_warnings(cluster=cluster),
        lessons=cluster.lessons.prefetch_related("tags")[:5],
        person_form=PersonForm(cluster=cluster),
        project_form=ProjectForm(),
    )
    return render(request, "clusters/cluster_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cluster_edit(request, slug, pk):
    network, cluster = _cluster(request, slug, pk, manage=True)
    initial = {
        "name": cluster.name,
        "description": cluster.description,
        "strategy_tags": cluster.strategy_tags.all(),
        "facilitators": cluster.facilitators.all(),
        "starts_on": cluster.starts_on,
        "ends_on": cluster.ends_on,
        "status": cluster.status,
        "learning_ties_enabled": cluster.learning_ties_enabled,
    }
    form = ClusterForm(request.POST or None, network=network, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _, warnings = services.cluster_update(user=request.user, cluster=cluster, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            _warn(request, warnings)
            return redirect(cluster)
    return render(request, "clusters/cluster_edit.html", _context(request, network, cluster, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def cluster_candidates(request, slug, pk):
    """Who else should be in this cluster: candidates with reasons, each added with one click."""
    network, cluster = _cluster(request, slug, pk, manage=True)
    if request.method == "POST":
        try:
            if request.POST.get("project_name"):
                form = ProjectForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors.get_json_data())
                _, warnings = services.participant_add(
                    user=request.user, cluster=cluster, **form.cleaned_data
                )
            else:
                org = permissions.get_member(network, request.POST.get("organisation"))
                _, warnings = services.participant_add(user=request.user, cluster=cluster, organisation=org)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Added to the cluster.")
            _warn(request, warnings)
        return redirect(reverse("clusters:cluster-candidates", args=[network.slug, cluster.pk]))
    context = _context(request, network, cluster, candidates=candidates_for_cluster(cluster=cluster))
    return render(request, "clusters/cluster_candidates.html", context)


@login_required
@require_POST
def participant_remove(request, slug, pk, participant_pk):
    _network, cluster = _cluster(request, slug, pk, manage=True)
    participant = cluster_permissions.get_participant(cluster, participant_pk)
    _, warnings = services.participant_remove(user=request.user, participant=participant)
    messages.success(request, f"{participant.name} left the cluster.")
    _warn(request, warnings)
    return redirect(cluster)


@login_required
@require_POST
def person_add(request, slug, pk):
    _network, cluster = _cluster(request, slug, pk, manage=True)
    form = PersonForm(request.POST, cluster=cluster)
    if form.is_valid():
        try:
            services.cluster_person_add(user=request.user, cluster=cluster, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{form.cleaned_data['person'].name} takes part in the cluster.")
    else:
        messages.error(request, "Choose a person of the network.")
    return redirect(cluster)


@login_required
@require_POST
def person_remove(request, slug, pk, person_pk):
    _network, cluster = _cluster(request, slug, pk, manage=True)
    cluster_person = cluster_permissions.get_cluster_person(cluster, person_pk)
    services.cluster_person_remove(user=request.user, cluster_person=cluster_person)
    messages.success(
        request,
        f"{cluster_person.person.name} no longer takes part in the cluster; their attendance so far is kept.",
    )
    return redirect(cluster)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, slug, pk):
    network, cluster = _cluster(request, slug, pk, manage=True)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(user=request.user, cluster=cluster, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The session is scheduled. Send the invitations when you are ready.")
            return redirect(session)
    return render(request, "clusters/session_create.html", _context(request, network, cluster, form=form))


def _attendance_people(cluster, session):
    """The checklist: the cluster's people plus anyone else already recorded for this session."""
    return (
        Member.objects.filter(network=cluster.network)
        .people()
        .filter(
            pk__in=set(cluster.people.values_list("person_id", flat=True))
            | set(session.attendance.values_list("person_id", flat=True))
        )
        .order_by("name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request, slug, pk, session_pk):
    """The session with its attendance checklist (who actually came, not who said they would)."""
    network, cluster = _cluster(request, slug, pk)
    session = cluster_permissions.get_session(cluster, session_pk)
    people = _attendance_people(cluster, session)
    can_manage = cluster_permissions.can_manage_cluster(request.user, cluster)
    form = SessionForm(
        request.POST if request.POST.get("action") == "edit" else None,
        initial={
            f: getattr(session, f)
            for f in ["title", "starts_at", "duration_minutes", "mode", "location", "link", "agenda", "notes"]
        },
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the cluster's facilitators and coordinators can change a session.")
        if request.POST.get("action") == "edit":
            if form.is_valid():
                try:
                    services.session_update(user=request.user, session=session, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, "Session saved.")
                    return redirect(session)
        else:
            # Any person of the network parses, so the service can name who is not in the cluster.
            attendance = AttendanceForm(request.POST, people=Member.objects.filter(network=network).people())
            if not attendance.is_valid():
                messages.error(request, "Someone on the list is not in this network.")
            else:
                present = list(attendance.cleaned_data["present"])
                absent = [p for p in people if p not in present]
                try:
                    outcome = services.attendance_record(
                        user=request.user, session=session, attended=present, absent=absent
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request,
                        f"Attendance saved: {len(present)} came. "
                        f"{len(outcome.ties_created)} new learning ties, "
                        f"{len(outcome.ties_strengthened)} strengthened."
                        + (
                            f" Taken back after unticking: {len(outcome.ties_ended)} ended, "
                            f"{len(outcome.ties_weakened)} weakened."
                            if outcome.ties_ended or outcome.ties_weakened
                            else ""
                        ),
                    )
                    return redirect(session)
    attended = set(session.attendance.filter(attended=True).values_list("person_id", flat=True))
    context = _context(
        request,
        network,
        cluster,
        session=session,
        people=people,
        attended=attended,
        recorded=Attendance.objects.filter(session=session).exists(),
        peer_assists=session.peer_assists.select_related("presenter__organisation"),
        form=form,
    )
    return render(request, "clusters/session_detail.html", context)


@login_required
@require_POST
def session_invite(request, slug, pk, session_pk):
    _network, cluster = _cluster(request, slug, pk, manage=True)
    session = cluster_permissions.get_session(cluster, session_pk)
    count = services.session_invitations_send(user=request.user, session=session)
    if count:
        messages.success(request, f"Invitations with a calendar file are on their way to {count} people.")
    else:
        messages.info(request, "Everyone with an email address already has the invitation for this version.")
    return redirect(session)


@login_required
@require_http_methods(["GET", "POST"])
def peer_assist_create(request, slug, pk, session_pk):
    network, cluster = _cluster(request, slug, pk, manage=True)
    session = cluster_permissions.get_session(cluster, session_pk)
    form = PeerAssistForm(request.POST or None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        try:
            peer_assist, _ = services.peer_assist_create(
                user=request.user, session=session, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The live page shows the assisting-group warning itself; a message would repeat it.
            return redirect("clusters:peer-assist-live", network.slug, cluster.pk, peer_assist.pk)
    context = _context(request, network, cluster, session=session, form=form)
    return render(request, "clusters/peer_assist_create.html", context)


def _live_context(request, network, cluster, peer_assist, **extra):
    return _context(
        request,
        network,
        cluster,
        peer_assist=peer_assist,
        questions=peer_assist.questions.select_related("asked_by"),
        advice=peer_assist.advice.select_related("given_by"),
        follow_ups=peer_assist.follow_ups.select_related("owner"),
        assisting=peer_assist.assisting.all(),
        warnings=peer_assist_warnings(peer_assist=peer_assist),
        capture_form=CaptureForm(cluster=cluster),
        **extra,
    )


@login_required
@require_safe
def peer_assist_live(request, slug, pk, pa_pk):
    """The facilitator's page for running a peer assist: the challenge on top, quick capture below."""
    network, cluster = _cluster(request, slug, pk)
    peer_assist = cluster_permissions.get_peer_assist(cluster, pa_pk)
    return render(
        request, "clusters/peer_assist_live.html", _live_context(request, network, cluster, peer_assist)
    )


@login_required
@require_POST
def peer_assist_capture(request, slug, pk, pa_pk):
    """Capture one question, piece of advice or follow-up; htmx swaps in the refreshed lists."""
    network, cluster = _cluster(request, slug, pk, manage=True)
    peer_assist = cluster_permissions.get_peer_assist(cluster, pa_pk)
    form = CaptureForm(request.POST, cluster=cluster)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "question":
                services.question_add(
                    user=request.user, peer_assist=peer_assist, text=data["text"], asked_by=data["by"]
                )
            elif data["kind"] == "advice":
                services.advice_add(
                    user=request.user, peer_assist=peer_assist, text=data["text"], given_by=data["by"]
                )
            else:
                services.followup_add(
                    user=request.user,
                    peer_assist=peer_assist,
                    action=data["text"],
                    owner=data["by"],
                    due_on=data["due_on"],
                )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Write something first."
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("clusters:peer-assist-live", network.slug, cluster.pk, peer_assist.pk)
    context = _live_context(request, network, cluster, peer_assist, capture_error=error)
    # 200 even with an error: htmx swaps only successful responses, and the error must show in place.
    return render(request, "clusters/peer_assist_live.html#captured", context)


@login_required
@require_POST
def follow_up_status(request, slug, pk, follow_up_pk):
    network, cluster = _cluster(request, slug, pk, manage=True)
    follow_up = cluster_permissions.get_follow_up(cluster, follow_up_pk)
    form = FollowUpStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Unknown status.")
        services.followup_set_status(
            user=request.user, follow_up=follow_up, status=form.cleaned_data["status"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("clusters:peer-assist-live", network.slug, cluster.pk, follow_up.peer_assist_id)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_list(request, slug, pk):
    network, cluster = _cluster(request, slug, pk)
    can_manage = cluster_permissions.can_manage_cluster(request.user, cluster)
    initial = {}
    if request.GET.get("peer_assist", "").isdigit():
        initial["peer_assist"] = cluster_peer_assists(cluster).filter(pk=request.GET["peer_assist"]).first()
    form = LessonForm(request.POST or None, cluster=cluster, initial=initial)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the cluster's facilitators and coordinators can write lessons here.")
        if form.is_valid():
            try:
                services.lesson_add(user=request.user, cluster=cluster, **form.service_kwargs())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Lesson written down.")
                return redirect("clusters:lesson-list", network.slug, cluster.pk)
    lessons = cluster.lessons.select_related(
        "author", "peer_assist__presenter__organisation"
    ).prefetch_related("tags")
    return render(
        request, "clusters/lesson_list.html", _context(request, network, cluster, lessons=lessons, form=form)
    )


@login_required
@require_safe
def handbook_download(request, slug, pk, fmt):
    _network, cluster = _cluster(request, slug, pk)
    filename = handbook_filename(cluster, fmt)
    if fmt == "md":
        response = HttpResponse(
            handbook_markdown(cluster=cluster), content_type="text/markdown; charset=utf-8"
        )
    else:
        response = HttpResponse(handbook_html(cluster=cluster), content_type="text/html; charset=utf-8")
        # The file keeps its own <style> so that it reads well saved and opened offline.
        allow_inline_styles_of(response)
    disposition = "attachment" if request.GET.get("download") or fmt == "md" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@login_required
@require_POST
def cluster_from_round(request, slug, round_pk):
    """Turn a fund round's grantees into their learning cluster (coordinators)."""
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    rnd = get_round(request.user, network, round_pk)
    try:
        cluster, warnings = services.cluster_from_round_grantees(user=request.user, round=rnd)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clusters:cluster-list", network.slug)
    messages.success(request, f"The grantees of {rnd.title} now form the cluster “{cluster.name}”.")
    _warn(request, warnings)
    return redirect(cluster)
