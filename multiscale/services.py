"""Writes for prospects and meta-networks; members and ties are created through networks.services."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from multiscale.models import MemberNetwork, MetaNetwork, OrganisationMatch, Prospect, ProspectStep, Sharing
from networks import services as network_services
from networks.models import Member, Network, Relationship

PROSPECT_FIELDS = {"kind", "name", "email", "why", "reached_by", "identified_on", "notes"}


def _check_reached_by(*, network: Network, reached_by: Member | None) -> None:
    if reached_by is not None and (reached_by.network_id != network.pk or reached_by.archived_at):
        raise ValidationError({"reached_by": "Pick an active member of this network."})


@transaction.atomic
def prospect_create(*, user, network: Network, name: str, why: str, **fields) -> Prospect:
    """Add a prospect at the 'identified' stage; its history starts there."""
    unknown = set(fields) - PROSPECT_FIELDS
    if unknown:
        raise ValidationError(f"Unknown prospect fields: {', '.join(sorted(unknown))}")
    _check_reached_by(network=network, reached_by=fields.get("reached_by"))
    prospect = Prospect(network=network, name=name.strip(), why=why, **fields)
    prospect.email = (prospect.email or "").strip()
    prospect.full_clean(exclude=["network", "reached_by", "member"])
    prospect.save()
    ProspectStep.objects.create(prospect=prospect, to_status=prospect.status, by=_actor(user))
    return prospect


@transaction.atomic
def prospect_update(*, user, prospect: Prospect, **fields) -> Prospect:
    """Change a prospect's details (not its stage: see prospect_move)."""
    unknown = set(fields) - PROSPECT_FIELDS
    if unknown:
        raise ValidationError(f"Unknown prospect fields: {', '.join(sorted(unknown))}")
    if "reached_by" in fields:
        _check_reached_by(network=prospect.network, reached_by=fields["reached_by"])
    for key, value in fields.items():
        setattr(prospect, key, value.strip() if isinstance(value, str) and key != "notes" else value)
    prospect.full_clean(exclude=["network", "reached_by", "member"])
    prospect.save()
    return prospect


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _step(*, user, prospect: Prospect, to_status: str, note: str = "") -> None:
    ProspectStep.objects.create(
        prospect=prospect, from_status=prospect.status, to_status=to_status, note=note[:500], by=_actor(user)
    )
    prospect.status = to_status
    prospect.status_changed_on = timezone.localdate()
    prospect.save(update_fields=["status", "status_changed_on", "updated_at"])


@transaction.atomic
def prospect_move(*, user, prospect: Prospect, status: str, note: str = "") -> Prospect:
    """Move a prospect to another stage; joining goes through prospect_join, and a joined one stays."""
    prospect = Prospect.objects.select_for_update().get(pk=prospect.pk)
    if status not in Prospect.Status.values:
        raise ValidationError({"status": f"Unknown stage {status!r}."})
    if prospect.status == Prospect.Status.JOINED:
        raise ValidationError({"status": "This prospect has joined: they are a member now."})
    if status == Prospect.Status.JOINED:
        raise ValidationError({"status": "Use “joined” to make them a member."})
    if status != prospect.status:
        _step(user=user, prospect=prospect, to_status=status, note=note)
    return prospect


@transaction.atomic
def prospect_join(*, user, prospect: Prospect, note: str = "") -> Prospect:
    """Make the prospect a member, tied to whoever reached out; the prospect and its history stay."""
    prospect = (
        Prospect.objects.select_for_update(of=("self",))
        .select_related("network", "reached_by")
        .get(pk=prospect.pk)
    )
    if prospect.status == Prospect.Status.JOINED:
        raise ValidationError({"status": "This prospect has already joined."})
    network = prospect.network
    member = network_services.member_create(
        user=user,
        network=network,
        name=prospect.name,
        kind=prospect.kind,
        email=prospect.email,
        description=f"Joined from the network's edge: {prospect.get_why_display().lower()}.",
    )
    reached_by = prospect.reached_by
    if reached_by is not None and reached_by.archived_at is None:
        network_services.relationship_add(
            user=user,
            network=network,
            source=reached_by,
            target=member,
            provenance=Relationship.Provenance.MANUAL,
            provenance_detail=f"Prospect #{prospect.pk}: {reached_by.name} reached out",
        )
    prospect.member = member
    prospect.save(update_fields=["member", "updated_at"])
    _step(user=user, prospect=prospect, to_status=Prospect.Status.JOINED, note=note)
    return prospect


def meta_network_enable(*, user, network: Network) -> MetaNetwork:
    """Make a network a meta-network (idempotent): other networks may then ask to join it."""
    meta, _ = MetaNetwork.objects.get_or_create(network=network)
    return meta


def _check_sharing(sharing: str) -> None:
    if sharing not in Sharing.values:
        raise ValidationError({"sharing": f"Unknown sharing agreement {sharing!r}."})


def _link_create(*, user, meta: Network, local: Network, sharing: str, status: str) -> MemberNetwork:
    _check_sharing(sharing)
    if meta.pk == local.pk:
        raise ValidationError({"non_field_errors": "A network cannot be a member of itself."})
    try:
        with transaction.atomic():
            return MemberNetwork.objects.create(
                meta=meta, local=local, sharing=sharing, status=status, asked_by=_actor(user)
            )
    except IntegrityError:
        raise ValidationError(
            {"non_field_errors": f"{local} is already in {meta}, or a request between them is open."}
        ) from None


def member_network_request(*, user, local: Network, meta_slug: str, sharing: str) -> MemberNetwork:
    """The local network asks to join a meta-network; its coordinators then accept or decline."""
    meta = Network.objects.filter(slug=meta_slug, meta__isnull=False).first()
    if meta is None:
        raise ValidationError({"meta": "No meta-network has this slug."})
    return _link_create(
        user=user, meta=meta, local=local, sharing=sharing, status=MemberNetwork.Status.REQUESTED
    )


@transaction.atomic
def member_network_invite(*, user, meta: Network, local_slug: str, sharing: str) -> MemberNetwork:
    """The meta-network invites a local network; its coordinators accept (and may change the agreement)."""
    local = Network.objects.filter(slug=local_slug).first()
    if local is None:
        raise ValidationError({"local": "No network has this slug."})
    meta_network_enable(user=user, network=meta)
    return _link_create(
        user=user, meta=meta, local=local, sharing=sharing, status=MemberNetwork.Status.INVITED
    )


def member_network_accept(*, user, link: MemberNetwork) -> MemberNetwork:
    """The side that did not ask accepts: the local network is a member from now on."""
    if link.status == MemberNetwork.Status.ACTIVE:
        raise ValidationError({"status": "This network is already a member."})
    link.status = MemberNetwork.Status.ACTIVE
    link.accepted_by = _actor(user)
    link.accepted_at = timezone.now()
    link.save(update_fields=["status", "accepted_by", "accepted_at"])
    return link


def _organisation_crossers(meta: Network) -> set[str]:
    from multiscale.selectors import scale_crossers

    return {row["key"] for row in scale_crossers(meta=meta) if row["kind"] == Member.Kind.ORGANISATION}


def _forget_unsupported_matches(meta: Network) -> int:
    """Delete the confirmations whose name no longer crosses networks that share organisations."""
    stale = OrganisationMatch.objects.filter(meta=meta).exclude(key__in=_organisation_crossers(meta))
    return stale.delete()[0]


@transaction.atomic
def member_network_sharing_change(*, user, link: MemberNetwork, sharing: str) -> MemberNetwork:
    """Change what the local network shares; it applies at once (shared data is read live)."""
    _check_sharing(sharing)
    link.sharing = sharing
    link.save(update_fields=["sharing"])
    _forget_unsupported_matches(link.meta)
    return link


@transaction.atomic
def member_network_leave(*, user, link: MemberNetwork) -> None:
    """Leave (or decline, or withdraw): the link goes, and with it all the meta-network could read."""
    # Shared data is read live through the link; the only thing kept is a confirmed name, dropped here.
    meta = link.meta
    link.delete()
    _forget_unsupported_matches(meta)


def organisation_match_confirm(*, user, meta: Network, key: str) -> OrganisationMatch:
    """Confirm that the organisations sharing this (folded) name across member networks are one."""
    key = " ".join((key or "").split()).lower()
    if key not in _organisation_crossers(meta):
        raise ValidationError({"key": "No organisation with this name is in two or more member networks."})
    match, _ = OrganisationMatch.objects.get_or_create(
        meta=meta, key=key, defaults={"confirmed_by": _actor(user)}
    )
    return match
