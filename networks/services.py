"""Writes to networks, members and relationships: the business rules live here.

Services take the acting user (never a request), validate, write, and return what they changed.
History rows (django-simple-history) carry the acting user.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from networks import emails
from networks.importing.reading import LIST_SEPARATOR
from networks.models import (
    AccessInvitation,
    Member,
    Network,
    NetworkRole,
    Relationship,
    RelationshipReport,
    Role,
    SuggestionDecision,
    Tag,
)
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


@dataclass
class ReportsChange:
    created: list[Relationship]
    removed: int
    confirmed: int


def _refresh_reported_ties(*, ties: list[Relationship], user) -> int:
    """Recompute reported ties' confirmation and strength from their reports; delete the survey ties
    nobody reports any more, with their history. Returns how many were deleted."""
    reports: dict[int, list[tuple[int, int]]] = {tie.pk: [] for tie in ties}
    for tie_id, reporter_id, strength in RelationshipReport.objects.filter(relationship__in=ties).values_list(
        "relationship_id", "reporter_id", "strength"
    ):
        reports[tie_id].append((reporter_id, strength))
    dead, changed = [], []
    now = timezone.now()
    for tie in ties:
        given = reports[tie.pk]
        if not given and tie.provenance == Relationship.Provenance.SURVEY:
            dead.append(tie.pk)
            continue
        reporters = {reporter for reporter, _ in given}
        confirmation = ""
        if given:
            confirmation = "confirmed" if {tie.source_id, tie.target_id} <= reporters else "reported"
        strength = tie.strength
        if given and tie.provenance == Relationship.Provenance.SURVEY:
            strength = max(s for _, s in given)
        if (tie.confirmation, tie.strength) != (confirmation, strength):
            tie.confirmation, tie.strength, tie.updated_at = confirmation, strength, now
            changed.append(tie)
    if changed:
        bulk_update_with_history(
            changed, Relationship, ["confirmation", "strength", "updated_at"], default_user=_acting(user)
        )
    if dead:
        Relationship.objects.filter(pk__in=dead).delete()
        # Nothing of a tie that existed only because of its reporters stays in history.
        Relationship.history.filter(id__in=dead).delete()
    return len(dead)


def _acting(user):
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def relationship_reports_set(
    *,
    user,
    network: Network,
    key: str,
    detail: str,
    reporter: Member,
    kind: str,
    named: dict[int, int],
) -> ReportsChange:
    """Make `reporter`'s reported ties of `kind` from source `key` exactly `named` (member id -> strength).

    A named member with no such tie gets one (provenance survey); a tie named by both sides is
    confirmed, by one side reported; a survey tie nobody reports any more is deleted with its history.
    Written in bulk: one answer naming 25 people is a handful of queries, not a hundred.
    """
    kind = kind.strip().lower()
    if reporter.network_id != network.pk or reporter.archived_at:
        raise ValidationError({"reporter": "This member cannot report ties in this network."})
    if reporter.pk in named:
        raise ValidationError({"named": "You cannot name yourself."})
    if any(not isinstance(v, int) or not 1 <= v <= 5 for v in named.values()):
        raise ValidationError({"named": "Strength must be a whole number from 1 to 5."})
    active = set(
        Member.objects.active().filter(network=network, pk__in=list(named)).values_list("pk", flat=True)
    )
    if active != set(named):
        raise ValidationError({"named": "Some of the people named are not active members of this network."})
    current = {
        report.relationship.other(reporter).pk: report
        for report in RelationshipReport.objects.select_related("relationship").filter(
            key=key, reporter=reporter, relationship__kind=kind, relationship__network=network
        )
    }
    touched: dict[int, Relationship] = {}
    gone = [report for other, report in current.items() if other not in named]
    restated = [r for other, r in current.items() if other in named and r.strength != named[other]]
    for report in restated:
        report.strength = named[report.relationship.other(reporter).pk]
    if restated:
        RelationshipReport.objects.bulk_update(restated, ["strength"])
    if gone:
        RelationshipReport.objects.filter(pk__in=[r.pk for r in gone]).delete()
    for report in gone + restated:
        touched[report.relationship_id] = report.relationship
    new_targets = [pk for pk in named if pk not in current]
    created: list[Relationship] = []
    if new_targets:
        ties = {
            tie.other(reporter).pk: tie
            for tie in Relationship.objects.active().filter(
                Q(source=reporter, target_id__in=new_targets) | Q(target=reporter, source_id__in=new_targets),
                kind=kind,
            )
        }
        today = timezone.localdate()
        missing = [
            Relationship(
                network=network,
                source=reporter,
                target_id=pk,
                kind=kind,
                strength=named[pk],
                started_on=today,
                provenance=Relationship.Provenance.SURVEY,
                provenance_detail=detail[:200],
                provenance_key=key,
                confirmation="reported",
            )
            for pk in new_targets
            if pk not in ties
        ]
        if missing:
            try:
                with transaction.atomic():
                    created = bulk_create_with_history(missing, Relationship, default_user=_acting(user))
            except IntegrityError:
                # Another answer created one of these ties between our read and our insert.
                raise ValidationError("Someone else was saving the same ties: save again.") from None
            ties.update({tie.target_id: tie for tie in created})
        RelationshipReport.objects.bulk_create(
            RelationshipReport(relationship=ties[pk], reporter=reporter, key=key, strength=named[pk])
            for pk in new_targets
        )
        for pk in new_targets:
            touched[ties[pk].pk] = ties[pk]
    removed = _refresh_reported_ties(ties=list(touched.values()), user=user) if touched else 0
    if touched:
        _graph_changed(network=network, user=user)
    confirmed = sum(1 for tie in touched.values() if tie.confirmation == "confirmed")
    return ReportsChange(created=created, removed=removed, confirmed=confirmed)


@transaction.atomic
def relationship_reports_withdraw(*, user, network: Network, key: str, reporter: Member) -> int:
    """Take back everything `reporter` reported under `key`; returns how many ties were deleted."""
    reported = RelationshipReport.objects.filter(key=key, reporter=reporter)
    kinds = set(reported.values_list("relationship__kind", flat=True))
    tie_ids = list(reported.values_list("relationship_id", flat=True))
    removed = sum(
        relationship_reports_set(
            user=user, network=network, key=key, detail="", reporter=reporter, kind=kind, named={}
        ).removed
        for kind in kinds
    )
    if reporter.user_id:
        # Ties the other side also reported stay; their history no longer says who wrote them.
        Relationship.history.filter(id__in=tie_ids, history_user_id=reporter.user_id).update(
            history_user=None
        )
    return removed


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
    """What access_set did: changed the roles of a login that already has access here, or invited."""

    account: object | None
    invitation: AccessInvitation | None
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


def _roles_set(*, user, network: Network, account, roles: set[str]) -> AccessChange:
    current = set(network.roles.filter(user=account).values_list("role", flat=True))
    added, removed = roles - current, current - roles
    _check_keeps_a_coordinator(network=network, account=account, removed=removed)
    network.roles.filter(user=account, role__in=removed).delete()
    NetworkRole.objects.bulk_create([NetworkRole(network=network, user=account, role=r) for r in added])
    return AccessChange(account=account, invitation=None, added=added, removed=removed)


@transaction.atomic
def access_set(*, user, network: Network, member: Member, roles: Iterable[str]) -> AccessChange:
    """Set the roles of a person's login that has access here; anyone else is e-mailed an invitation.

    Whether the person's e-mail already has a login is never told apart: both get an invitation, and
    the network holds no role for them until they accept it (access_invitation_accept).
    """
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
    if member.user_id and network.roles.filter(user_id=member.user_id).exists():
        return _roles_set(user=user, network=network, account=member.user, roles=roles)
    now = timezone.now()
    member.invitations.pending().update(revoked_at=now)
    invitation = AccessInvitation.objects.create(
        network=network,
        member=member,
        email=member.email,
        roles=sorted(roles),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        expires_at=now + timedelta(days=settings.WEAVER_ACCESS_INVITATION_DAYS),
    )
    from networks.tasks import send_access_invitation

    enqueue_on_commit(send_access_invitation, invitation.pk)
    return AccessChange(account=None, invitation=invitation, added=set(), removed=set())


def access_invitation_revoke(*, user, invitation: AccessInvitation) -> AccessInvitation:
    """Withdraw a pending invitation: its link stops working."""
    if invitation.status != "pending":
        raise ValidationError({"invitation": f"This invitation is already {invitation.status}."})
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_is_for(*, user, invitation: AccessInvitation) -> bool:
    """Whether this login may accept the invitation: it has the e-mail it was sent to, or is the person's."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.email.lower() == invitation.email.lower() or user.pk == invitation.member.user_id


@transaction.atomic
def access_invitation_accept(*, user, invitation: AccessInvitation) -> AccessInvitation:
    """The invited login accepts: it gets the invitation's roles and becomes the person's login."""
    invitation = (
        AccessInvitation.objects.select_for_update().select_related("network", "member").get(pk=invitation.pk)
    )
    if invitation.status != "pending":
        raise ValidationError(f"This invitation is {invitation.status}.")
    if not invitation_is_for(user=user, invitation=invitation):
        raise PermissionDenied("This invitation was sent to another e-mail address.")
    network, member = invitation.network, invitation.member
    for role in invitation.roles:
        NetworkRole.objects.get_or_create(network=network, user=user, role=role)
    if member.user_id is None and not Member.objects.filter(network=network, user=user).exists():
        member.user = user
        _with_history_user(member, user).save(update_fields=["user", "updated_at"])
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if hasattr(user, "_weaver_roles"):
        del user._weaver_roles
    return invitation


def invitation_login(*, invitation: AccessInvitation):
    """The login that would accept the invitation by choosing a password: the one with its e-mail and no
    password yet, else a new one (unsaved). None when a login with a password has the e-mail: log in."""
    User = get_user_model()
    matches = list(User.objects.filter(email__iexact=invitation.email)[:2])
    if len(matches) > 1 or any(m.has_usable_password() for m in matches):
        return None
    if matches:
        return matches[0]
    first, _, last = invitation.member.name.partition(" ")
    account = User(
        username=_username_for(invitation.email),
        email=invitation.email,
        first_name=first[:150],
        last_name=last[:150],
    )
    account.set_unusable_password()
    return account


@transaction.atomic
def access_invitation_sign_up(*, invitation: AccessInvitation, password: str):
    """Someone without a login (or who never chose a password) accepts by choosing one; returns the login."""
    account = invitation_login(invitation=invitation)
    if account is None:
        raise ValidationError("A login already uses this e-mail address: log in to accept the invitation.")
    account.set_password(password)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ValidationError("That login was just taken; open the link again.") from None
    access_invitation_accept(user=account, invitation=invitation)
    return account


@transaction.atomic
def access_revoke(*, user, network: Network, account) -> int:
    """Take away every role a login holds in the network (the login itself stays); returns how many."""
    current = set(network.roles.filter(user=account).values_list("role", flat=True))
    _check_keeps_a_coordinator(network=network, account=account, removed=current)
    deleted, _ = network.roles.filter(user=account).delete()
    return deleted


def access_invitation_send(*, invitation_id: int) -> bool:
    """E-mail the invitation's link, if it is still pending."""
    invitation = (
        AccessInvitation.objects.select_related("network", "member", "created_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.status != "pending":
        return False
    emails.access_invitation(invitation=invitation).send()
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
