"""Pages for prospects and meta-networks, under /networks/<slug>/multiscale/.

Thin views: the network comes from networks.permissions (no role: 404), the finer rules from
multiscale.permissions (prospects: coordinators only, 403 to members), writes go through
multiscale.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from multiscale import permissions as ms_permissions
from multiscale import selectors, services
from multiscale.forms import InviteForm, JoinRequestForm, ProspectForm, ProspectMoveForm, SharingForm
from multiscale.models import MetaNetwork, Prospect, Sharing
from networks import permissions
from networks.forms import add_service_errors
from networks.models import Network

PROSPECT_FIELDS = ["kind", "name", "email", "why", "reached_by", "identified_on", "notes"]


def _context(request, network: Network, **extra) -> dict:
    return {
        "network": network,
        "can_edit": permissions.can_edit(request.user, network),
        "nav": "scales",
        **extra,
    }


def _coordinator_network(request, slug) -> Network:
    return permissions.get_network_for_user(request.user, slug, edit=True)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_safe
def prospect_list(request, slug):
    network = _coordinator_network(request, slug)
    stages = selectors.prospects_by_stage(network=network)
    columns = [(value, label, stages[value]) for value, label in Prospect.Status.choices]
    return render(request, "multiscale/prospect_list.html", _context(request, network, columns=columns))


@login_required
@require_http_methods(["GET", "POST"])
def prospect_create(request, slug):
    network = _coordinator_network(request, slug)
    form = ProspectForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        try:
            prospect = services.prospect_create(
                user=request.user, network=network, **{f: form.cleaned_data[f] for f in PROSPECT_FIELDS}
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{prospect.name} is on the list of prospects.")
            return redirect("multiscale:prospect-list", slug=network.slug)
    return render(request, "multiscale/prospect_create.html", _context(request, network, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def prospect_edit(request, slug, pk):
    network = _coordinator_network(request, slug)
    prospect = ms_permissions.get_prospect(network, pk)
    form = ProspectForm(request.POST or None, instance=prospect, network=network)
    if request.method == "POST" and form.is_valid():
        try:
            services.prospect_update(
                user=request.user,
                prospect=Prospect.objects.get(pk=prospect.pk),
                **{f: form.cleaned_data[f] for f in PROSPECT_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("multiscale:prospect-edit", slug=network.slug, pk=prospect.pk)
    context = _context(
        request,
        network,
        prospect=prospect,
        form=form,
        move_form=ProspectMoveForm(initial={"status": prospect.status}),
        steps=prospect.steps.select_related("by"),
    )
    return render(request, "multiscale/prospect_edit.html", context)


@login_required
@require_POST
def prospect_move(request, slug, pk):
    network = _coordinator_network(request, slug)
    prospect = ms_permissions.get_prospect(network, pk)
    form = ProspectMoveForm(request.POST)
    if form.is_valid():
        try:
            services.prospect_move(user=request.user, prospect=prospect, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
    else:
        messages.error(request, "Pick a stage.")
    return redirect("multiscale:prospect-edit", slug=network.slug, pk=prospect.pk)


@login_required
@require_POST
def prospect_join(request, slug, pk):
    network = _coordinator_network(request, slug)
    prospect = ms_permissions.get_prospect(network, pk)
    try:
        prospect = services.prospect_join(user=request.user, prospect=prospect)
    except ValidationError as error:
        _errors(request, error)
        return redirect("multiscale:prospect-edit", slug=network.slug, pk=prospect.pk)
    messages.success(request, f"{prospect.name} is a member of {network.name} now.")
    return redirect(prospect.member)


@login_required
@require_safe
def member_network_list(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    sides = selectors.meta_memberships(network=network)
    context = _context(
        request,
        network,
        is_meta=MetaNetwork.objects.filter(network=network).exists(),
        members=sides["members"],
        metas=sides["metas"],
        request_form=JoinRequestForm(),
        invite_form=InviteForm(),
        sharing_choices=Sharing.choices,
    )
    for link in [*sides["members"], *sides["metas"]]:
        link.user_can_accept = ms_permissions.can_accept(request.user, link)
        link.user_can_change = ms_permissions.can_change_sharing(request.user, link)
        link.user_can_leave = ms_permissions.can_leave(request.user, link)
    return render(request, "multiscale/member_network_list.html", context)


def _back(network: Network):
    return redirect("multiscale:member-network-list", slug=network.slug)


@login_required
@require_POST
def meta_become(request, slug):
    network = _coordinator_network(request, slug)
    services.meta_network_enable(user=request.user, network=network)
    messages.success(request, f"{network.name} is a meta-network: other networks can ask to join it.")
    return _back(network)


@login_required
@require_POST
def member_network_request(request, slug):
    network = _coordinator_network(request, slug)
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            link = services.member_network_request(
                user=request.user,
                local=network,
                meta_slug=form.cleaned_data["meta"],
                sharing=form.cleaned_data["sharing"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"Asked to join {link.meta.name}.")
    else:
        messages.error(request, "Give the meta-network's slug and what you share.")
    return _back(network)


@login_required
@require_POST
def member_network_invite(request, slug):
    network = _coordinator_network(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            link = services.member_network_invite(
                user=request.user,
                meta=network,
                local_slug=form.cleaned_data["local"],
                sharing=form.cleaned_data["sharing"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"Invited {link.local.name}.")
    else:
        messages.error(request, "Give the network's slug and what you ask them to share.")
    return _back(network)


@login_required
@require_POST
def member_network_accept(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    link = ms_permissions.get_member_network(network, pk)
    if not ms_permissions.can_accept(request.user, link):
        raise PermissionDenied("Only the coordinators of the side that was asked can accept.")
    try:
        services.member_network_accept(user=request.user, link=link)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"{link.local.name} is a member of {link.meta.name}.")
    return _back(network)


@login_required
@require_POST
def member_network_sharing(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    link = ms_permissions.get_member_network(network, pk)
    if not ms_permissions.can_change_sharing(request.user, link):
        raise PermissionDenied("Only the local network's coordinators decide what it shares.")
    form = SharingForm(request.POST)
    if form.is_valid():
        services.member_network_sharing_change(
            user=request.user, link=link, sharing=form.cleaned_data["sharing"]
        )
        messages.success(request, f"{link.local.name} now shares: {link.get_sharing_display().lower()}.")
    return _back(network)


@login_required
@require_POST
def member_network_leave(request, slug, pk):
    network = permissions.get_network_for_user(request.user, slug)
    link = ms_permissions.get_member_network(network, pk)
    if not ms_permissions.can_leave(request.user, link):
        raise PermissionDenied("Only the coordinators of either network can end this.")
    services.member_network_leave(user=request.user, link=link)
    messages.success(request, f"{link.local.name} is no longer in {link.meta.name}; nothing of it is shared.")
    return _back(network)


@login_required
@require_safe
def meta_overview(request, slug):
    """The meta map as tables: figures per scale for everyone in it; scale-crossers for its stewards."""
    network = permissions.get_network_for_user(request.user, slug)
    can_read_shared = ms_permissions.can_read_shared(request.user, network)
    context = _context(
        request,
        network,
        meta_map=selectors.meta_map(meta=network),
        crossers=selectors.scale_crossers(meta=network) if can_read_shared else None,
        can_read_shared=can_read_shared,
    )
    return render(request, "multiscale/meta_overview.html", context)


@login_required
@require_POST
def organisation_match_confirm(request, slug):
    network = permissions.get_network_for_user(request.user, slug)
    if not ms_permissions.can_read_shared(request.user, network):
        raise PermissionDenied("Only the meta-network's coordinators and guardians confirm matches.")
    try:
        services.organisation_match_confirm(user=request.user, meta=network, key=request.POST.get("key", ""))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "Confirmed: these organisations are one.")
    return redirect("multiscale:meta-overview", slug=network.slug)
