"""Writes to networks, members and relationships: the business rules live here.

Services take the acting user (never a request), validate, write, and return what they changed.
History rows (django-simple-history) carry the acting user.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from networks import emails
from networks.importing.reading import LIST_SEPARATOR
from networks.models import Member, Network, NetworkRole, Relationship, Role, SuggestionDecision, Tag
from weaver.lib.enqueue import enqueue_on_commit

UNSET = object()


def _graph_changed(*, network: Network, user) -> None:
    """The metric graph changed: ask for a (debounced) recomputation once this transaction commits."""
    from networks.snapshots import snapshot_request_after_change

    snapshot_request_after_change(network=network, user=user)


def _with_history_user(obj, user):
    if user is not None and getattr(user, "is_authenticated", False):
        obj._history_user = user
    return obj


@transaction.atomic
def network_create(*, user, name: str, slug: str, purpose: str) -> Network:
    """Create a network; its creator becomes its first coordinator."""
    network = Network(name=name, slug=slug, purpose=purpose)
    network.full_clean()
    try:
        with transaction.atomic():
            network.save()
    except IntegrityError:
        # Another request took the slug between our check and our insert.
        raise ValidationError({"slug": "Network with this slug already exists."}) from None
    if user is not None and user.is_authenticated:
        NetworkRole.objects.create(network=network, user=user, role=Role.COORDINATOR)
    return network


@transaction.atomic
def network_get_or_create(*, user, slug: str, name: str, purpose: str) -> tuple[Network, bool]:
    """The network with this slug, created (its creator its first coordinator) if new; safe under races."""
    network = Network.objects.filter(slug=slug).first()
    if network is not None:
        return network, False
    network = Network(name=name, slug=slug, purpose=purpose)
    # The unique slug is checked by the insert itself: a look-up first would race with other creators.
    network.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            network.save()
    except IntegrityError:
        # A concurrent creator inserted it first; its commit made the row visible to this statement.
        return Network.objects.get(slug=slug), False
    if user is not None and user.is_authenticated:
        NetworkRole.objects.create(network=network, user=user, role=Role.COORDINATOR)
    return network, True


def role_grant(*, network: Network, user, role: str) -> NetworkRole:
    """Give a user a role in a network (idempotent), linking them to the person with their e-mail."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    obj, _ = NetworkRole.objects.get_or_create(network=network, user=user, role=role)
    _link_login_by_email(network=network, account=user)
    return obj


def _link_login_by_email(*, network: Network, account) -> None:
    """A login with no person in the network is linked to the one unlinked person with its e-mail."""
    if not account.email or Member.objects.filter(network=network, user=account).exists():
        return
    people = list(
        Member.objects.filter(network=network, email__iexact=account.email, user__isnull=True).people()[:2]
    )
    if len(people) == 1:
        people[0].user = account
        people[0].save(update_fields=["user", "updated_at"])


def tags_resolve(*, network: Network, names: Iterable[str]) -> list[Tag]:
    """The network's tags with these names (case-insensitive), created when missing."""
    wanted: dict[str, str] = {}
    longest = Tag._meta.get_field("name").max_length
    for raw in names:
        name = raw.strip()
        if len(name) > longest:
            raise ValidationError({"tags": f"The tag “{name[:30]}…” is longer than {longest} characters."})
        if LIST_SEPARATOR in name:
            raise ValidationError(
                {"tags": f"A tag cannot contain “{LIST_SEPARATOR}”: spreadsheets use it to separate tags."}
            )
        if name:
            wanted.setdefault(name.lower(), name)
    if not wanted:
        return []
    existing = _tags_by_lower_name(network)
    missing = [Tag(network=network, name=name) for key, name in wanted.items() if key not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = _tags_by_lower_name(network)
        for key in wanted.keys() - existing.keys():
            # The database's LOWER() saw a clash that Python's lower() does not: use the clashing tag.
            existing[key] = (
                Tag.objects.annotate(lname=Lower("name"))
                .filter(network=network, lname=Lower(Value(wanted[key])))
                .first()
            )
    return [existing[key] for key in wanted]


def _tags_by_lower_name(network: Network) -> dict[str, Tag]:
    # Lower-cased in Python: SQL LOWER() leaves non-ASCII letters alone on SQLite and under the C locale.
    tags: dict[str, Tag] = {}
    for tag in Tag.objects.filter(network=network).order_by("pk"):
        tags.setdefault(tag.name.lower(), tag)
    return tags


def _check_email_free(*, network: Network, email: str, exclude_pk=None) -> None:
    if not email:
        return
    clash = Member.objects.filter(network=network, email__iexact=email)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"email": "Another member of this network already has this email."})


def _check_name(member: Member) -> None:
    """Spreadsheets name members by e-mail, else by name: keep that unambiguous, so exports read back."""
    if member.kind == Member.Kind.ORGANISATION and LIST_SEPARATOR in member.name:
        raise ValidationError(
            {
                "name": f"An organisation's name cannot contain “{LIST_SEPARATOR}”: spreadsheets use it "
                "to separate a person's organisations."
            }
        )
    same_name = Member.objects.filter(network=member.network, name__iexact=member.name).exclude(pk=member.pk)
    clash = (same_name.filter(email="") if member.email else same_name).first()
    if clash is None:
        return
    if member.email:
        message = f"Another member called “{clash.name}” has no email: add one to them first"
    else:
        message = f"Another member is already called “{clash.name}”: give this one an email"
    raise ValidationError({"name": message + ", so that the two can be told apart."})


def _save_member(member: Member, user) -> None:
    try:
        with transaction.atomic():
            _with_history_user(member, user).save()
    except IntegrityError:
        # Another request took the email between our check and our insert.
        raise ValidationError({"email": "Another member of this network already has this email."}) from None


def _check_organisations(*, network: Network, organisations) -> list[Member]:
    orgs = list(organisations or [])
    for org in orgs:
        if org.network_id != network.pk or org.kind != Member.Kind.ORGANISATION:
            raise ValidationError({"organisations": f"{org} is not an organisation of this network."})
    return orgs


@transaction.atomic
def member_create(
    *,
    user,
    network: Network,
    name: str,
    kind: str = Member.Kind.PERSON,
    email: str = "",
    community: str = "",
    location: str = "",
    description: str = "",
    joined_on=None,
    tags: Iterable[str] = (),
    organisations: Iterable[Member] = (),
) -> Member:
    """Add a member (person or organisation) to a network."""
    email = (email or "").strip()
    _check_email_free(network=network, email=email)
    orgs = _check_organisations(network=network, organisations=organisations)
    if orgs and kind != Member.Kind.PERSON:
        raise ValidationError({"organisations": "Only people can be affiliated with organisations."})
    member = Member(
        network=network,
        kind=kind,
        name=name.strip(),
        email=email,
        community=community.strip(),
        location=location.strip(),
        description=description,
        joined_on=joined_on or timezone.localdate(),
    )
    _check_name(member)
    member.full_clean(exclude=["network", "organisations", "tags", "user"])
    _save_member(member, user)
    if orgs:
        member.organisations.set(orgs)
    tag_objs = tags_resolve(network=network, names=tags)
    if tag_objs:
        member.tags.set(tag_objs)
    _graph_changed(network=network, user=user)
    return member


@transaction.atomic
def member_update(*, user, member: Member, tags=None, organisations=None, **fields) -> Member:
    """Change a member's fields; tags and organisations are replaced when given."""
    allowed = {"name", "kind", "email", "community", "location", "description", "joined_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown member fields: {', '.join(sorted(unknown))}")
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip()
        _check_email_free(network=member.network, email=fields["email"], exclude_pk=member.pk)
    for key, value in fields.items():
        setattr(member, key, value.strip() if isinstance(value, str) and key != "description" else value)
    if organisations is not None:
        orgs = _check_organisations(network=member.network, organisations=organisations)
        if orgs and member.kind != Member.Kind.PERSON:
            raise ValidationError({"organisations": "Only people can be affiliated with organisations."})
    elif member.kind != Member.Kind.PERSON and member.organisations.exists():
        raise ValidationError(
            {"organisations": "Remove this person's organisations before making them an organisation."}
        )
    if member.kind == Member.Kind.PERSON and member.people.exists():
        raise ValidationError(
            {"kind": "People work with this organisation: take them off it before making it a person."}
        )
    _check_name(member)
    member.full_clean(exclude=["network", "organisations", "tags", "user"])
    _save_member(member, user)
    if organisations is not None:
        member.organisations.set(orgs)
    if tags is not None:
        member.tags.set(tags_resolve(network=member.network, names=tags))
    return member


def member_archive(*, user, member: Member) -> Member:
    """Archive a member: kept with their history, left out of lists and metrics."""
    if member.archived_at is None:
        member.archived_at = timezone.now()
        _with_history_user(member, user).save(update_fields=["archived_at", "updated_at"])
        _graph_changed(network=member.network, user=user)
    return member


def member_unarchive(*, user, member: Member) -> Member:
    """Bring an archived member back."""
    if member.archived_at is not None:
        member.archived_at = None
        _with_history_user(member, user).save(update_fields=["archived_at", "updated_at"])
        _graph_changed(network=member.network, user=user)
    return member


def active_tie_between(*, source: Member, target: Member, kind: str, exclude_pk=None):
    """The active tie of this type between the two members, either way round, if any."""
    qs = Relationship.objects.active().filter(
        Q(source=source, target=target) | Q(source=target, target=source), kind=kind
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _validate_tie(*, network: Network, source: Member, target: Member, strength: int) -> None:
    errors = {}
    if source.network_id != network.pk:
        errors["source"] = "This member belongs to another network."
    if target.network_id != network.pk:
        errors["target"] = "This member belongs to another network."
    if source.pk == target.pk:
        errors["target"] = "A member cannot have a relationship with themselves."
    if not isinstance(strength, int) or not 1 <= strength <= 5:
        errors["strength"] = "Strength must be a whole number from 1 to 5."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def relationship_add(
    *,
    user,
    network: Network,
    source: Member,
    target: Member,
    kind: str = "knows",
    strength: int = 3,
    direction: str = Relationship.Direction.UNDIRECTED,
    started_on=None,
    provenance: str = Relationship.Provenance.MANUAL,
    provenance_detail: str = "",
    notes: str = "",
) -> Relationship:
    """Tie two members of a network; refuses a second active tie of the same type between them."""
    kind = (kind or "knows").strip().lower()
    _validate_tie(network=network, source=source, target=target, strength=strength)
    archived = {
        field: f"{end.name} is archived: bring them back before adding a relationship."
        for field, end in (("source", source), ("target", target))
        if end.archived_at
    }
    if archived:
        raise ValidationError(archived)
    if active_tie_between(source=source, target=target, kind=kind):
        raise ValidationError(
            {"target": f"{source} and {target} already have an active '{kind}' relationship."}
        )
    tie = Relationship(
        network=network,
        source=source,
        target=target,
        kind=kind,
        strength=strength,
        direction=direction,
        started_on=started_on or timezone.localdate(),
        provenance=provenance,
        provenance_detail=provenance_detail,
        notes=notes,
    )
    tie.full_clean(exclude=["network", "source", "target"])
    try:
        with transaction.atomic():
            _with_history_user(tie, user).save()
    except IntegrityError:
        # A concurrent writer added the same tie between our check and our insert.
        raise ValidationError(
            {"target": f"{source} and {target} already have an active '{kind}' relationship."}
        ) from None
    _graph_changed(network=network, user=user)
    return tie


@transaction.atomic
def relationship_update(*, user, relationship: Relationship, **fields) -> Relationship:
    """Change a tie's type, strength, direction, dates or notes."""
    allowed = {"kind", "strength", "direction", "started_on", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown relationship fields: {', '.join(sorted(unknown))}")
    if "kind" in fields:
        fields["kind"] = (fields["kind"] or "knows").strip().lower()
    for key, value in fields.items():
        setattr(relationship, key, value)
    _validate_tie(
        network=relationship.network,
        source=relationship.source,
        target=relationship.target,
        strength=relationship.strength,
    )
    if relationship.is_active and active_tie_between(
        source=relationship.source,
        target=relationship.target,
        kind=relationship.kind,
        exclude_pk=relationship.pk,
    ):
        raise ValidationError({"kind": "These members already have an active relationship of this type."})
    relationship.full_clean(exclude=["network", "source", "target"])
    _with_history_user(relationship, user).save()
    return relationship


def relationship_end(*, user, relationship: Relationship, ended_on=None) -> Relationship:
    """End a tie (kept for history, left out of metrics)."""
    if relationship.ended_on is None:
        ended_on = ended_on or timezone.localdate()
        if relationship.started_on and ended_on < relationship.started_on:
            raise ValidationError({"ended_on": "A relationship cannot end before it started."})
        relationship.end(on=ended_on)
        _with_history_user(relationship, user).save(update_fields=["ended_on", "updated_at"])
        _graph_changed(network=relationship.network, user=user)
    return relationship


def network_update(*, user, network: Network, name: str, purpose: str) -> Network:
    """Rename a network or restate its purpose."""
    network.name = name.strip()
    network.purpose = purpose.strip()
    network.full_clean()
    network.save(update_fields=["name", "purpose", "updated_at"])
    return network


def _ordered_pair(a: Member, b: Member) -> tuple[Member, Member]:
    return (a, b) if a.pk < b.pk else (b, a)


@transaction.atomic
def suggestion_accept(
    *, user, network: Network, member_a: Member, member_b: Member, kind: str = "introduce", note: str = ""
) -> Relationship:
    """Accept an introduction: tie the pair (provenance "suggestion") and remember the decision."""

    first, second = _ordered_pair(member_a, member_b)
    if SuggestionDecision.objects.filter(member_a=first, member_b=second).exists():
        raise ValidationError("This suggestion has already been answered.")
    tie = relationship_add(
        user=user,
        network=network,
        source=member_a,
        target=member_b,
        kind="knows",
        provenance=Relationship.Provenance.SUGGESTION,
        provenance_detail=f"Weaving suggestion ({kind})",
        notes=note,
    )
    SuggestionDecision.objects.create(
        network=network,
        member_a=first,
        member_b=second,
        kind=kind,
        decision=SuggestionDecision.Decision.ACCEPTED,
        decided_by=user if getattr(user, "is_authenticated", False) else None,
        relationship=tie,
    )
    return tie


def suggestion_dismiss(
    *, user, network: Network, member_a: Member, member_b: Member, kind: str = "introduce"
):
    """Dismiss a suggestion: this pair is never suggested again (idempotent)."""

    for member in (member_a, member_b):
        if member.network_id != network.pk:
            raise ValidationError("This member belongs to another network.")
    if member_a.pk == member_b.pk:
        raise ValidationError("A suggestion needs two different members.")
    first, second = _ordered_pair(member_a, member_b)
    decision, _ = SuggestionDecision.objects.get_or_create(
        member_a=first,
        member_b=second,
        defaults={
            "network": network,
            "kind": kind,
            "decision": SuggestionDecision.Decision.DISMISSED,
            "decided_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    return decision


# Access: logins and roles ------------------------------------------------------------------------------


@dataclass
class AccessChange:
    account: object
    created: bool
    added: set[str]
    removed: set[str]


def _check_keeps_a_coordinator(*, network: Network, account, removed: set[str]) -> None:
    if Role.COORDINATOR not in removed:
        return
    others = network.roles.filter(role=Role.COORDINATOR).exclude(user=account)
    if not others.exists():
        raise ValidationError(
            {"roles": "The network needs at least one coordinator: give someone else the role first."}
        )


def _username_for(email: str) -> str:
    User = get_user_model()
    base = slugify(email.split("@")[0])[:140] or "member"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}{n}"
    return username


def _account_for(member: Member):
    """The person's login: the one linked to them, else the one with their e-mail, else a new one."""
    if member.user_id:
        return member.user, False
    User = get_user_model()
    matches = list(User.objects.filter(email__iexact=member.email)[:2])
    if len(matches) > 1:
        raise ValidationError(
            {"member": f"Several logins use {member.email}; an administrator must link one to this person."}
        )
    if matches:
        return matches[0], False
    first, _, last = member.name.partition(" ")
    account = User(
        username=_username_for(member.email), email=member.email, first_name=first[:150], last_name=last[:150]
    )
    account.set_unusable_password()
    account.save()
    return account, True


@transaction.atomic
def access_set(*, user, network: Network, member: Member, roles: Iterable[str]) -> AccessChange:
    """Give a person of the network a login (made and e-mailed if new) holding exactly these roles."""
    roles = set(roles)
    if member.network_id != network.pk or member.kind != Member.Kind.PERSON or member.archived_at:
        raise ValidationError({"member": "Pick a current person of this network."})
    if not member.email:
        raise ValidationError(
            {"member": f"Add an e-mail address to {member.name} first: the invitation to log in goes there."}
        )
    unknown = roles - set(Role.values)
    if unknown or not roles:
        raise ValidationError({"roles": "Pick at least one role."})
    account, created = _account_for(member)
    linked = Member.objects.filter(network=network, user=account).exclude(pk=member.pk).first()
    if linked:
        raise ValidationError({"member": f"This login already belongs to {linked.name} in this network."})
    current = set(network.roles.filter(user=account).values_list("role", flat=True))
    added, removed = roles - current, current - roles
    _check_keeps_a_coordinator(network=network, account=account, removed=removed)
    network.roles.filter(user=account, role__in=removed).delete()
    NetworkRole.objects.bulk_create([NetworkRole(network=network, user=account, role=r) for r in added])
    if member.user_id != account.pk:
        member.user = account
        _with_history_user(member, user).save(update_fields=["user", "updated_at"])
    if added and not current:
        from networks.tasks import send_access_invitation

        enqueue_on_commit(send_access_invitation, account.pk, network.pk, getattr(user, "pk", None))
    return AccessChange(account=account, created=created, added=added, removed=removed)


@transaction.atomic
def access_revoke(*, user, network: Network, account) -> int:
    """Take away every role a login holds in the network (the login itself stays); returns how many."""
    current = set(network.roles.filter(user=account).values_list("role", flat=True))
    _check_keeps_a_coordinator(network=network, account=account, removed=current)
    deleted, _ = network.roles.filter(user=account).delete()
    return deleted


def access_invitation_send(*, account_id: int, network_id: int, inviter_id: int | None = None) -> bool:
    """Send the access e-mail, if the login and the network still exist and the login has an e-mail."""
    User = get_user_model()
    account = User.objects.filter(pk=account_id).first()
    network = Network.objects.filter(pk=network_id).first()
    if account is None or network is None or not account.email:
        return False
    inviter = User.objects.filter(pk=inviter_id).first() if inviter_id else None
    emails.access_invitation(account=account, network=network, inviter=inviter).send()
    return True


# Spreadsheet imports write through networks.importing, beside their reader and planner;
# re-exported so every write on members and ties can be found from here.
from networks.importing import (  # noqa: E402, F401
    import_apply,
    import_batch_apply,
    import_batch_confirm,
    import_batch_create,
    import_batch_preview,
    import_batches_reconcile,
)
