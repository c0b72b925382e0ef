"""Writes to learning clusters: the business rules of DESIGN.md "Learning clusters: rules".

Size and community rules warn rather than block, so the services that touch them return the
warnings beside the object (`Warned`) for the page or API to show.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.mime.text import MIMEText
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clusters.candidates import _join
from clusters.ics import session_ics
from clusters.models import (
    AdviceItem,
    Attendance,
    ClusterParticipant,
    ClusterPerson,
    ClusterSession,
    FollowUp,
    LearningCluster,
    Lesson,
    PeerAssist,
    PeerAssistQuestion,
    SessionInvitation,
    SessionTieEffect,
)
from clusters.selectors import attendee_pairs, cluster_warnings, peer_assist_warnings
from networks.models import Member, Network, Relationship, Role
from networks.selectors import role_holders
from networks.services import (
    relationship_add,
    relationship_end,
    relationship_update,
    tags_resolve,
)
from weaver.lib.enqueue import enqueue_on_commit

LEARNING_TIE = "learning"
# A first session together is a weak tie; each further session strengthens it by one, up to 5.
LEARNING_TIE_START_STRENGTH = 1
MAX_STRENGTH = 5


class Warned(NamedTuple):
    """An object that was written, and the rule warnings to show about it."""

    value: Any
    warnings: list[str]


# ---------------------------------------------------------------- validation helpers


def _organisation(network: Network, org: Member) -> Member:
    if org.network_id != network.pk or org.kind != Member.Kind.ORGANISATION:
        raise ValidationError({"organisation": f"{org} is not an organisation of this network."})
    if org.is_archived:
        raise ValidationError({"organisation": f"{org} is archived."})
    return org


def _people(network: Network, people: Iterable[Member], *, field_name: str) -> list[Member]:
    result = []
    for person in people:
        if person.network_id != network.pk or person.kind != Member.Kind.PERSON:
            raise ValidationError({field_name: f"{person} is not a person in this network."})
        result.append(person)
    return list({p.pk: p for p in result}.values())


def _names(people: list[Member]) -> str:
    return _join(sorted(p.name for p in people))


def _cluster_people(
    cluster: LearningCluster, people: Iterable[Member], *, field_name: str, also: Iterable[int] = ()
) -> list[Member]:
    """People of the network who take part in the cluster (or are among `also`); anyone else is refused.

    Only the cluster's people weave its learning ties, so marking an outsider present is an error.
    """
    result = _people(cluster.network, people, field_name=field_name)
    allowed = set(cluster.people.values_list("person_id", flat=True)) | set(also)
    outside = [p for p in result if p.pk not in allowed]
    if outside:
        verb = "does" if len(outside) == 1 else "do"
        raise ValidationError(
            {
                field_name: f"{_names(outside)} {verb} not take part in this cluster; "
                "add them to the cluster's people first."
            }
        )
    return result


def _facilitators(network: Network, users) -> list:
    """The cluster's facilitators, chosen among the network's; roles change only on the access page."""
    users = list({u.pk: u for u in users}.values())
    allowed = set(role_holders(network=network, role=Role.FACILITATOR).values_list("pk", flat=True))
    outside = sorted(str(u) for u in users if u.pk not in allowed)
    if outside:
        raise ValidationError(
            {
                "facilitators": f"{_join(outside)} {'is' if len(outside) == 1 else 'are'} not a facilitator "
                "of this network; a coordinator gives the role on the “Who has access” page first."
            }
        )
    return users


# ---------------------------------------------------------------- clusters and participants


@transaction.atomic
def cluster_create(
    *,
    user,
    network: Network,
    name: str,
    description: str = "",
    strategy_tags: Iterable[str] = (),
    facilitators: Iterable = (),
    starts_on: date | None = None,
    ends_on: date | None = None,
    status: str = LearningCluster.Status.FORMING,
    learning_ties_enabled: bool = True,
    organisations: Iterable[Member] = (),
    projects: Iterable[tuple[str, str]] = (),
) -> Warned:
    """Create a cluster with its first participants; warns outside 6–12 or when one community only."""
    cluster = LearningCluster(
        network=network,
        name=(name or "").strip(),
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        learning_ties_enabled=learning_ties_enabled,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    cluster.full_clean(exclude=["network", "created_by"])
    cluster.save()
    cluster.strategy_tags.set(tags_resolve(network=network, names=strategy_tags))
    cluster.facilitators.set(_facilitators(network, facilitators))
    for org in organisations:
        _participant_insert(cluster, organisation=_organisation(network, org))
    for project_name, community in projects:
        _participant_insert(cluster, project_name=project_name, community=community)
    return Warned(cluster, cluster_warnings(cluster=cluster))


@transaction.atomic
def cluster_update(
    *, user, cluster: LearningCluster, strategy_tags=None, facilitators=None, **fields
) -> Warned:
    """Change a cluster's fields; tags and facilitators are replaced when given."""
    allowed = {"name", "description", "starts_on", "ends_on", "status", "learning_ties_enabled"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown cluster fields: {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        setattr(cluster, key, value.strip() if key == "name" and isinstance(value, str) else value)
    cluster.full_clean(exclude=["network", "created_by"])
    cluster.save()
    if strategy_tags is not None:
        cluster.strategy_tags.set(tags_resolve(network=cluster.network, names=strategy_tags))
    if facilitators is not None:
        cluster.facilitators.set(_facilitators(cluster.network, facilitators))
    return Warned(cluster, cluster_warnings(cluster=cluster))


def _participant_insert(
    cluster: LearningCluster,
    *,
    organisation: Member | None = None,
    project_name: str = "",
    community: str = "",
) -> ClusterParticipant:
    project_name = (project_name or "").strip()
    if organisation is None and not project_name:
        raise ValidationError({"project_name": "Choose an organisation or name a local project."})
    if organisation is not None and cluster.participants.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": f"{organisation} already takes part in this cluster."})
    participant = ClusterParticipant(
        cluster=cluster,
        organisation=organisation,
        project_name="" if organisation else project_name,
        community="" if organisation else (community or "").strip(),
    )
    participant.full_clean(exclude=["cluster", "organisation"])
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError:
        raise ValidationError(
            {"organisation": f"{organisation} already takes part in this cluster."}
        ) from None
    return participant


@transaction.atomic
def participant_add(
    *,
    user,
    cluster: LearningCluster,
    organisation: Member | None = None,
    project_name: str = "",
    community: str = "",
) -> Warned:
    """Add an organisation of the network, or a local project by name, to a cluster."""
    if organisation is not None:
        _organisation(cluster.network, organisation)
    participant = _participant_insert(
        cluster, organisation=organisation, project_name=project_name, community=community
    )
    return Warned(participant, cluster_warnings(cluster=cluster))


@transaction.atomic
def participant_remove(*, user, participant: ClusterParticipant) -> Warned:
    """Take a participant out of its cluster (its people stay, unattached)."""
    cluster = participant.cluster
    participant.delete()
    return Warned(cluster, cluster_warnings(cluster=cluster))


@transaction.atomic
def cluster_person_add(
    *, user, cluster: LearningCluster, person: Member, participant: ClusterParticipant | None = None
) -> ClusterPerson:
    """Add a person to the cluster, on behalf of one of its participants (idempotent)."""
    _people(cluster.network, [person], field_name="person")
    if participant is not None and participant.cluster_id != cluster.pk:
        raise ValidationError({"participant": "This participant belongs to another cluster."})
    obj, created = ClusterPerson.objects.get_or_create(
        cluster=cluster, person=person, defaults={"participant": participant}
    )
    if not created and participant is not None and obj.participant_id != participant.pk:
        obj.participant = participant
        obj.save(update_fields=["participant"])
    return obj


def cluster_person_remove(*, user, cluster_person: ClusterPerson) -> None:
    """Take a person out of a cluster; their attendance records stay."""
    cluster_person.delete()


# ---------------------------------------------------------------- sessions and attendance

_RESCHEDULE_FIELDS = {"starts_at", "duration_minutes", "mode", "location", "link"}


@transaction.atomic
def session_create(
    *,
    user,
    cluster: LearningCluster,
    starts_at: datetime,
    duration_minutes: int = 90,
    mode: str = ClusterSession.Mode.VIRTUAL,
    title: str = "",
    location: str = "",
    link: str = "",
    agenda: str = "",
    notes: str = "",
) -> ClusterSession:
    """Schedule a session of a cluster."""
    session = ClusterSession(
        cluster=cluster,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        title=(title or "").strip(),
        location=(location or "").strip(),
        link=(link or "").strip(),
        agenda=agenda,
        notes=notes,
    )
    session.full_clean(exclude=["cluster"])
    session.save()
    return session


@transaction.atomic
def session_update(*, user, session: ClusterSession, **fields) -> ClusterSession:
    """Change a session; a new time or place bumps its calendar sequence so invitations update."""
    allowed = _RESCHEDULE_FIELDS | {"title", "agenda", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown session fields: {', '.join(sorted(unknown))}")
    rescheduled = any(getattr(session, k) != v for k, v in fields.items() if k in _RESCHEDULE_FIELDS)
    for key, value in fields.items():
        setattr(session, key, value)
    if rescheduled:
        session.sequence += 1
    session.full_clean(exclude=["cluster"])
    session.save()
    return session


@dataclass
class AttendanceOutcome:
    attendance: list[Attendance] = field(default_factory=list)
    ties_created: list[Relationship] = field(default_factory=list)
    ties_strengthened: list[Relationship] = field(default_factory=list)
    ties_ended: list[Relationship] = field(default_factory=list)
    ties_weakened: list[Relationship] = field(default_factory=list)


@transaction.atomic
def attendance_record(
    *, user, session: ClusterSession, attended: Iterable[Member] = (), absent: Iterable[Member] = ()
) -> AttendanceOutcome:
    """Record who attended a session; each pair of attendees gets its learning tie effect exactly once.

    Unticking someone (marking them absent after they were present) takes back this session's effect on
    each of their pairs. A tie the session created is ended if nothing else depends on it yet; if a later
    session strengthened it, that session now counts as having created it and the tie loses that later
    step; if someone changed its strength by hand, it is left as they set it. A tie the session only
    strengthened loses exactly the step the session added (none if it was already at 5). Ticking them
    again re-applies the effect, so a pair holds at most one effect per session however often it is saved.
    """
    # Locking the session serialises concurrent saves of the same checklist.
    session = ClusterSession.objects.select_for_update().select_related("cluster__network").get(pk=session.pk)
    cluster = session.cluster
    # Someone recorded before they left the cluster stays on the checklist, so their row can be re-saved
    # or corrected; only the cluster's people can be newly marked present.
    recorded = dict(Attendance.objects.filter(session=session).values_list("person_id", "attended"))
    present = _cluster_people(
        cluster, attended, field_name="attended", also=[pk for pk, came in recorded.items() if came]
    )
    missing = _cluster_people(cluster, absent, field_name="absent", also=recorded)
    both = {p.pk for p in present} & {p.pk for p in missing}
    if both:
        raise ValidationError({"absent": "A person cannot be both present and absent."})
    outcome = AttendanceOutcome()
    recorder = user if getattr(user, "is_authenticated", False) else None
    for people, flag in ((present, True), (missing, False)):
        for person in people:
            obj, _ = Attendance.objects.update_or_create(
                session=session, person=person, defaults={"attended": flag, "recorded_by": recorder}
            )
            outcome.attendance.append(obj)
    _undo_learning_ties(user=user, session=session, outcome=outcome)
    if cluster.learning_ties_enabled:
        _apply_learning_ties(user=user, session=session, outcome=outcome)
    return outcome


def _undo_learning_ties(*, user, session: ClusterSession, outcome: AttendanceOutcome) -> None:
    absent = Attendance.objects.filter(session=session, attended=False).values("person_id")
    effects = (
        SessionTieEffect.objects.filter(session=session)
        .filter(Q(person_a__in=absent) | Q(person_b__in=absent))
        .select_related("relationship")
    )
    for effect in effects:
        tie = effect.relationship
        others = SessionTieEffect.objects.filter(relationship=tie).exclude(pk=effect.pk)
        others = others.order_by("created_at", "pk") if tie is not None else others.none()
        effect.delete()
        if tie is None or not tie.is_active:
            continue
        step = effect.strength_added
        if effect.created_tie:
            successor = others.first()
            if successor is None:
                if tie.strength == LEARNING_TIE_START_STRENGTH:
                    relationship_end(user=user, relationship=tie)
                    outcome.ties_ended.append(tie)
                continue
            # The tie outlives this session's mistake; the next session now counts as having made it.
            step = successor.strength_added
            successor.created_tie, successor.strength_added = True, 0
            successor.save(update_fields=["created_tie", "strength_added"])
        step = min(step, tie.strength - 1)
        if step > 0:
            relationship_update(user=user, relationship=tie, strength=tie.strength - step)
            outcome.ties_weakened.append(tie)


def _apply_learning_ties(*, user, session: ClusterSession, outcome: AttendanceOutcome) -> None:
    cluster = session.cluster
    attendees = {
        p.pk: p
        for p in Member.objects.filter(
            attendance__session=session,
            attendance__attended=True,
            archived_at__isnull=True,
            cluster_memberships__cluster=cluster,
        )
    }
    done = set(SessionTieEffect.objects.filter(session=session).values_list("person_a_id", "person_b_id"))
    pending = [pair for pair in attendee_pairs(attendees) if pair not in done]
    if not pending:
        return
    ids = list(attendees)
    existing = {
        tuple(sorted((t.source_id, t.target_id))): t
        for t in Relationship.objects.active().filter(kind=LEARNING_TIE, source_id__in=ids, target_id__in=ids)
    }
    for a, b in pending:
        tie = existing.get((a, b))
        if tie is None:
            tie = relationship_add(
                user=user,
                network=cluster.network,
                source=attendees[a],
                target=attendees[b],
                kind=LEARNING_TIE,
                strength=LEARNING_TIE_START_STRENGTH,
                provenance=Relationship.Provenance.CLUSTER,
                provenance_detail=cluster.tie_label,
                notes=f"Attended {session.display_title} together.",
            )
            existing[(a, b)] = tie
            outcome.ties_created.append(tie)
            created, added = True, 0
        else:
            added = 1 if tie.strength < MAX_STRENGTH else 0
            if added:
                relationship_update(user=user, relationship=tie, strength=tie.strength + added)
                outcome.ties_strengthened.append(tie)
            created = False
        SessionTieEffect.objects.create(
            session=session,
            person_a_id=a,
            person_b_id=b,
            relationship=tie,
            created_tie=created,
            strength_added=added,
        )


def session_invitations_send(*, user, session: ClusterSession) -> int:
    """Queue invitation emails (with an .ics) to the cluster's people; returns how many will be invited."""
    from clusters.tasks import send_session_invitations

    count = _invitees(session).count()
    enqueue_on_commit(send_session_invitations, session.pk)
    return count


def _invitees(session: ClusterSession):
    return (
        Member.objects.filter(cluster_memberships__cluster=session.cluster, archived_at__isnull=True)
        .exclude(email="")
        .exclude(
            pk__in=SessionInvitation.objects.filter(session=session, sequence=session.sequence).values(
                "person_id"
            )
        )
        .distinct()
    )


def _calendar_part(ics: str) -> MIMEText:
    """The .ics as its own MIME part: one charset parameter, and the iTIP method calendars look for."""
    part = MIMEText(ics, "calendar", "utf-8")
    part.set_param("method", "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename="invitation.ics")
    return part


def session_invitations_deliver(*, session: ClusterSession) -> int:
    """Email the invitation to each person not yet invited to this version of the session; returns sent."""
    when = timezone.localtime(session.starts_at).strftime("%A %d %B %Y, %H:%M %Z")
    where = session.link or session.location or "to be confirmed"
    sent = 0
    for person in _invitees(session):
        message = EmailMessage(
            subject=f"Invitation: {session.display_title} ({session.cluster.name})",
            body=(
                f"Hello {person.name},\n\n"
                f"You are invited to a session of the learning cluster {session.cluster.name}.\n\n"
                f"When: {when}\nWhere: {where}\n\n"
                f"{session.agenda}\n\nThe attached calendar file adds it to your calendar.\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
        )
        ics = session_ics(
            session,
            organizer=settings.DEFAULT_FROM_EMAIL,
            attendee_name=person.name,
            attendee_email=person.email,
        )
        message.attach(_calendar_part(ics))
        message.send()
        # Recorded after sending: a crash in between re-sends one email rather than losing it.
        SessionInvitation.objects.get_or_create(session=session, person=person, sequence=session.sequence)
        sent += 1
    return sent


# ---------------------------------------------------------------- peer assists and follow-ups


def _check_presenter(session: ClusterSession, presenter: ClusterParticipant) -> None:
    if presenter.cluster_id != session.cluster_id:
        raise ValidationError({"presenter": "The presenting project must take part in this cluster."})


@transaction.atomic
def peer_assist_create(
    *,
    user,
    session: ClusterSession,
    presenter: ClusterParticipant,
    challenge: str,
    assisting: Iterable[Member] = (),
) -> Warned:
    """Add a peer assist to a session; warns when the assisting group is outside 5–12 people."""
    _check_presenter(session, presenter)
    helpers = _cluster_people(session.cluster, assisting, field_name="assisting")
    peer_assist = PeerAssist(session=session, presenter=presenter, challenge=(challenge or "").strip())
    peer_assist.full_clean(exclude=["session", "presenter"])
    peer_assist.save()
    peer_assist.assisting.set(helpers)
    return Warned(peer_assist, peer_assist_warnings(peer_assist=peer_assist))


@transaction.atomic
def peer_assist_update(
    *,
    user,
    peer_assist: PeerAssist,
    challenge: str | None = None,
    presenter: ClusterParticipant | None = None,
    assisting: Iterable[Member] | None = None,
) -> Warned:
    """Change a peer assist's challenge, presenter or assisting group."""
    if presenter is not None:
        _check_presenter(peer_assist.session, presenter)
        peer_assist.presenter = presenter
    if challenge is not None:
        peer_assist.challenge = challenge.strip()
    peer_assist.full_clean(exclude=["session", "presenter"])
    peer_assist.save()
    if assisting is not None:
        # Helpers who have left the cluster since may stay in the group; nobody new from outside.
        current = peer_assist.assisting.values_list("pk", flat=True)
        peer_assist.assisting.set(
            _cluster_people(peer_assist.cluster, assisting, field_name="assisting", also=current)
        )
    return Warned(peer_assist, peer_assist_warnings(peer_assist=peer_assist))


def _optional_member(network: Network, member: Member | None, field_name: str) -> Member | None:
    if member is not None and member.network_id != network.pk:
        raise ValidationError({field_name: f"{member} is not a member of this network."})
    return member


def _optional_cluster_person(
    cluster: LearningCluster, member: Member | None, field_name: str
) -> Member | None:
    """Who asked or advised in a peer assist: one of the cluster's people, like everyone in the room."""
    if member is None:
        return None
    _cluster_people(cluster, [member], field_name=field_name)
    return member


def question_add(
    *, user, peer_assist: PeerAssist, text: str, asked_by: Member | None = None
) -> PeerAssistQuestion:
    """Capture a question asked in a peer assist."""
    question = PeerAssistQuestion(
        peer_assist=peer_assist,
        text=(text or "").strip(),
        asked_by=_optional_cluster_person(peer_assist.cluster, asked_by, "asked_by"),
    )
    question.full_clean(exclude=["peer_assist", "asked_by"])
    question.save()
    return question


def advice_add(*, user, peer_assist: PeerAssist, text: str, given_by: Member | None = None) -> AdviceItem:
    """Capture a piece of advice given in a peer assist."""
    advice = AdviceItem(
        peer_assist=peer_assist,
        text=(text or "").strip(),
        given_by=_optional_cluster_person(peer_assist.cluster, given_by, "given_by"),
    )
    advice.full_clean(exclude=["peer_assist", "given_by"])
    advice.save()
    return advice


def followup_add(
    *, user, peer_assist: PeerAssist, action: str, owner: Member | None = None, due_on: date | None = None
) -> FollowUp:
    """Agree a follow-up action with an owner and a due date; it starts open."""
    follow_up = FollowUp(
        peer_assist=peer_assist,
        action=(action or "").strip(),
        owner=_optional_member(peer_assist.cluster.network, owner, "owner"),
        due_on=due_on,
    )
    follow_up.full_clean(exclude=["peer_assist", "owner"])
    follow_up.save()
    return follow_up


@transaction.atomic
def followup_set_status(*, user, follow_up: FollowUp, status: str) -> FollowUp:
    """Move a follow-up: open → done or dropped, and done or dropped → open; anything else is refused."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if status not in FollowUp.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    follow_up.move_to(status)
    follow_up.save()
    return follow_up


# ---------------------------------------------------------------- lessons


@transaction.atomic
def lesson_add(
    *,
    user,
    cluster: LearningCluster,
    text: str,
    tags: Iterable[str] = (),
    peer_assist: PeerAssist | None = None,
) -> Lesson:
    """Write down a lesson, tagged, optionally linked to one of the cluster's peer assists."""
    if peer_assist is not None and peer_assist.session.cluster_id != cluster.pk:
        raise ValidationError({"peer_assist": "This peer assist belongs to another cluster."})
    lesson = Lesson(
        cluster=cluster,
        text=(text or "").strip(),
        peer_assist=peer_assist,
        author=user if getattr(user, "is_authenticated", False) else None,
    )
    lesson.full_clean(exclude=["cluster", "peer_assist", "author"])
    lesson.save()
    lesson.tags.set(tags_resolve(network=cluster.network, names=tags))
    return lesson


# ---------------------------------------------------------------- funds link


@transaction.atomic
def cluster_from_round_grantees(*, user, round, name: str = "", facilitators: Iterable = ()) -> Warned:
    """Turn a round's funded projects into their learning cluster; run again, it adds late grantees."""
    from funds.models import Proposal

    # Leads see their cluster, so forming it before the decision would tell them they were funded.
    if not round.results_public:
        raise ValidationError(
            {"round": "The grantees can form a learning cluster only once the round is decided."}
        )
    network = round.fund.network
    funded = list(
        Proposal.objects.filter(round=round, status=Proposal.Status.AWARDED)
        .select_related("lead")
        .prefetch_related("partners__organisation")
        .order_by("id")
    )
    if not funded:
        raise ValidationError({"round": "This round has no funded projects yet."})
    cluster = LearningCluster.objects.select_for_update().filter(from_round=round).first()
    if cluster is None:
        cluster, _ = cluster_create(
            user=user,
            network=network,
            name=name or f"Grantees of {round.title}",
            description=round.focus or f"The community of practice of the projects funded in {round.title}.",
            facilitators=facilitators,
            status=LearningCluster.Status.FORMING,
        )
        cluster.from_round = round
        cluster.save(update_fields=["from_round", "updated_at"])
    by_org = {p.organisation_id: p for p in cluster.participants.filter(organisation__isnull=False)}
    by_project = {p.project_name.lower(): p for p in cluster.participants.filter(organisation__isnull=True)}
    for proposal in funded:
        for partner in proposal.partners.all():
            org = partner.organisation
            if org is not None and org.pk not in by_org and not org.is_archived:
                by_org[org.pk] = _participant_insert(cluster, organisation=org)
            elif org is None and partner.new_name.lower() not in by_project:
                by_project[partner.new_name.lower()] = _participant_insert(
                    cluster, project_name=partner.new_name
                )
        lead = proposal.lead
        if lead is not None and lead.kind == Member.Kind.PERSON and not lead.is_archived:
            lead_orgs = set(lead.organisations.values_list("pk", flat=True))
            home = next((by_org[pk] for pk in by_org if pk in lead_orgs), None)
            cluster_person_add(user=user, cluster=cluster, person=lead, participant=home)
    return Warned(cluster, cluster_warnings(cluster=cluster))
