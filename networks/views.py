"""Pages for networks, members, organisations and relationships.

Thin views: networks and their objects are fetched through networks.permissions, writes go
through networks.services, and a service's ValidationError lands on the form next to its field.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from networks import permissions, selectors, services
from networks.filters import MemberFilter
from networks.forms import (
    AccessForm,
    MemberForm,
    NetworkCreateForm,
    NetworkEditForm,
    RelationshipCreateForm,
    RelationshipEditForm,
    RelationshipEndForm,
    add_service_errors,
)
from networks.history import member_history, network_recent_changes
from networks.models import AccessInvitation, Member, Network, Relationship, Role, Tag
from networks.views_metrics import member_metrics_context

PAGE_SIZE = 25


def _context(request, network: Network, nav: str, **extra) -> dict:
    return {"network": network, "can_edit": permissions.can_edit(request.user, network), "nav": nav, **extra}


def _data(request):
    """The submitted form data, or None on GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _active_tie_count():
    """Subquery: a member's active relationships, counted either way round."""

    def count(field):
        return Coalesce(
            Subquery(
                Relationship.objects.active()
                .filter(**{field: OuterRef("pk")})
                .values(field)
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    return count("source") + count("target")


@login_required
@require_http_methods(["GET", "POST"])
def network_list(request):
    networks = list(permissions.networks_for_user(request.user).order_by("name"))
    role_labels = dict(Role.choices)
    roles: dict[int, list[str]] = {}
    for network_id, role in request.user.network_roles.values_list("network_id", "role"):
        roles.setdefault(network_id, []).append(role_labels[role])
    for network in networks:
        network.my_roles = sorted(roles.get(network.pk, []))
        network.member_count = network.members.active().count()
    can_create = permissions.can_create_network(request.user)
    if request.method == "POST" and not can_create:
        raise PermissionDenied("Ask an administrator to let you start networks.")
    form = NetworkCreateForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            network = services.network_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{network.name}” is ready. Start by adding its members.")
            return redirect(network)
    context = {"networks": networks, "form": form, "can_create": can_create}
    return render(request, "networks/network_list.html", context)


@login_required
@require_safe
def network_detail(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    members = network.members.active()
    counts = {
        "people": members.people().count(),
        "organisations": members.organisations().count(),
        "ties": network.relationships.active()
        .filter(source__archived_at__isnull=True, target__archived_at__isnull=True)
        .count(),
        "communities": members.exclude(community="").values("community").distinct().count(),
    }
    context = _context(
        request,
        network,
        "home",
        counts=counts,
        recent_changes=network_recent_changes(network, limit=10),
    )
    return render(request, "networks/network_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def network_edit(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    form = NetworkEditForm(_data(request), initial={"name": network.name, "purpose": network.purpose})
    if request.method == "POST" and form.is_valid():
        try:
            services.network_update(user=request.user, network=network, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(network)
    return render(request, "networks/network_edit.html", _context(request, network, "home", form=form))


@login_required
@require_safe
def member_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    data = request.GET.copy()
    # Active members by default; "all" lifts the filter, "true" shows only the archived.
    archived = data.get("archived", "")
    if archived == "all":
        data.pop("archived")
    elif archived != "true":
        data["archived"] = "false"
    queryset = (
        Member.objects.filter(network=network)
        .prefetch_related("tags", Prefetch("organisations", queryset=Member.objects.only("id", "name")))
        .annotate(tie_count=_active_tie_count())
        .order_by("name", "id")
    )
    member_filter = MemberFilter(data, queryset=queryset)
    page, query = _page(request, member_filter.qs)
    context = _context(
        request,
        network,
        "members",
        page=page,
        query=query,
        filter_values={
            "q": request.GET.get("q", ""),
            "kind": request.GET.get("kind", ""),
            "community": request.GET.get("community", ""),
            "tag": request.GET.get("tag", ""),
            "archived": archived if archived in {"true", "all"} else "",
        },
        filtered=any(request.GET.get(k) for k in ("q", "kind", "community", "tag", "archived")),
        kinds=Member.Kind.choices,
        communities=network.members.exclude(community="")
        .order_by("community")
        .values_list("community", flat=True)
        .distinct(),
        tags=Tag.objects.filter(network=network).values_list("name", flat=True),
        filter_errors=member_filter.errors,
    )
    return render(request, "networks/member_list.html", context)


@login_required
@require_safe
def member_detail(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    member = permissions.get_member(network, pk)
    ties = list(
        Relationship.objects.involving(member)
        .select_related("source", "target")
        .order_by("-started_on", "-id")
    )
    for tie in ties:
        tie.other_member = tie.other(member)
    if member.is_organisation:
        affiliated = member.people.order_by("name")
    else:
        affiliated = member.organisations.order_by("name")
    context = _context(
        request,
        network,
        "members",
        member=member,
        affiliated=affiliated,
        tags=member.tags.all(),
        active_ties=[t for t in ties if t.is_active],
        ended_ties=[t for t in ties if not t.is_active],
        history=member_history(member),
        member_metrics=member_metrics_context(network=network, member=member, user=request.user),
    )
    return render(request, "networks/member_detail.html", context)


def _member_form_page(request, network, *, member=None):
    initial = None
    if member is None and request.GET.get("kind") in Member.Kind.values:
        initial = {"kind": request.GET["kind"]}
    form = MemberForm(_data(request), network=network, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if member is None:
                member = services.member_create(user=request.user, network=network, **form.service_kwargs())
                messages.success(request, f"{member.name} was added to the network.")
            else:
                services.member_update(user=request.user, member=member, **form.service_kwargs())
                messages.success(request, f"{member.name} was saved.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(member)
    template = "networks/member_create.html" if member is None else "networks/member_edit.html"
    return render(request, template, _context(request, network, "members", form=form, member=member))


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    return _member_form_page(request, network)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    member = permissions.get_member(network, pk)
    return _member_form_page(request, network, member=member)


@login_required
@require_http_methods(["GET", "POST"])
def member_archive(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    member = permissions.get_member(network, pk)
    if request.method == "POST":
        if request.POST.get("action") == "unarchive":
            services.member_unarchive(user=request.user, member=member)
            messages.success(request, f"{member.name} is back in the network.")
        else:
            services.member_archive(user=request.user, member=member)
            messages.success(request, f"{member.name} was archived. Their history is kept.")
        return redirect(member)
    return render(
        request, "networks/member_archive.html", _context(request, network, "members", member=member)
    )


@login_required
@require_http_methods(["GET", "POST"])
def relationship_create(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    member = permissions.get_member(network, pk)
    form = RelationshipCreateForm(_data(request), network=network, source=member)
    if request.method == "POST" and form.is_valid():
        try:
            tie = services.relationship_add(
                user=request.user, network=network, source=member, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{member.name} and {tie.target.name} are now connected.")
            return redirect(member)
    context = _context(request, network, "members", member=member, form=form)
    return render(request, "networks/relationship_create.html", context)


def _back_to(request, network, relationship) -> Member:
    """The member page the user came from (either end of the tie), defaulting to its source."""
    wanted = request.POST.get("from") or request.GET.get("from")
    if wanted and str(relationship.target_id) == wanted:
        return relationship.target
    return relationship.source


@login_required
@require_http_methods(["GET", "POST"])
def relationship_edit(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    tie = permissions.get_relationship(network, pk)
    back = _back_to(request, network, tie)
    form = RelationshipEditForm(_data(request), network=network, relationship=tie)
    if request.method == "POST" and form.is_valid():
        try:
            services.relationship_update(user=request.user, relationship=tie, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The relationship was saved.")
            return redirect(back)
    context = _context(request, network, "members", relationship=tie, member=back, form=form)
    return render(request, "networks/relationship_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def relationship_end(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    tie = permissions.get_relationship(network, pk)
    back = _back_to(request, network, tie)
    form = RelationshipEndForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.relationship_end(
                user=request.user, relationship=tie, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The relationship was ended. It stays in the history.")
            return redirect(back)
    context = _context(request, network, "members", relationship=tie, member=back, form=form)
    return render(request, "networks/relationship_end.html", context)


@login_required
@require_safe
def organisation_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    queryset = (
        Member.objects.filter(network=network)
        .organisations()
        .active()
        .annotate(people_count=Count("people", filter=Q(people__archived_at__isnull=True), distinct=True))
        .prefetch_related("tags")
        .order_by("name", "id")
    )
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(community__icontains=q))
    page, query = _page(request, queryset)
    context = _context(request, network, "organisations", page=page, query=query, q=q)
    return render(request, "networks/organisation_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def access_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    initial = {}
    member_id = request.GET.get("member", "")
    if member_id.isdigit():
        member = Member.objects.filter(network=network, pk=member_id).first()
        if member is not None:
            if member.user_id:
                access = selectors.network_account(network=network, user_id=member.user_id)
                roles = access.roles if access else []
            else:
                roles = [Role.MEMBER]
            initial = {"member": member, "roles": roles}
    form = AccessForm(_data(request), network=network, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.access_set(user=request.user, network=network, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            person = form.cleaned_data["member"]
            if change.invitation:
                # The same words whether or not the e-mail has a login: that is not the coordinator's to know.
                messages.success(
                    request,
                    f"An invitation is on its way to {person.email}: {person.name} gets the roles once they "
                    "accept it.",
                )
            else:
                messages.success(request, f"Saved what {person.name} may do.")
            return redirect("networks:access-list", slug=network.slug)
    context = _context(
        request,
        network,
        "access",
        form=form,
        accounts=selectors.network_accounts(network=network),
        invitations=selectors.access_invitations_pending(network=network),
    )
    return render(request, "networks/access_list.html", context)


@login_required
@require_http_methods(["POST"])
def access_revoke(request, slug, user_id):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    access = selectors.network_account(network=network, user_id=user_id)
    if access is None:
        raise Http404("That login has no access to this network.")
    try:
        services.access_revoke(user=request.user, network=network, account=access.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{access.name} no longer has access.")
    return redirect("networks:access-list", slug=network.slug)


@login_required
@require_http_methods(["POST"])
def access_invitation_revoke(request, slug, invitation_id):
    network = permissions.get_network_for_user(request.user, slug, edit=True)
    invitation = selectors.access_invitations_pending(network=network).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No pending invitation with this id in this network.")
    services.access_invitation_revoke(user=request.user, invitation=invitation)
    messages.success(
        request, f"The invitation to {invitation.member.name} is withdrawn: its link no longer works."
    )
    return redirect("networks:access-list", slug=network.slug)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The link in an access invitation: accept it logged in, log in first, or choose a password."""
    invitation = AccessInvitation.objects.from_token(token)
    if invitation is None or invitation.status != "pending":
        status = invitation.status if invitation else "unknown"
        return render(request, "networks/invitation_accept.html", {"state": status}, status=404)
    context = {"invitation": invitation, "network": None, "invited_network": invitation.network}
    if request.user.is_authenticated:
        if not services.invitation_is_for(user=request.user, invitation=invitation):
            return render(
                request, "networks/invitation_accept.html", {**context, "state": "other"}, status=403
            )
        if request.method == "POST":
            try:
                services.access_invitation_accept(user=request.user, invitation=invitation)
            except ValidationError:  # accepted or withdrawn a moment ago
                return render(request, "networks/invitation_accept.html", {"state": "unknown"}, status=404)
            messages.success(request, f"Welcome to {invitation.network.name}.")
            return redirect(invitation.network)
        return render(request, "networks/invitation_accept.html", {**context, "state": "accept"})
    account = services.invitation_login(invitation=invitation)
    if account is None:
        return redirect_to_login(request.get_full_path())
    form = SetPasswordForm(account, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.access_invitation_sign_up(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, f"Welcome to {invitation.network.name}. Your login is “{account.username}”."
            )
            return redirect(invitation.network)
    return render(
        request,
        "networks/invitation_accept.html",
        {**context, "state": "password", "form": form, "account": account},
    )
