"""The cluster handbook: what a cluster shares with the wider field, as Markdown or printable HTML."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from clusters.models import LearningCluster, PeerAssist
from clusters.selectors import cluster_stats


def handbook_filename(cluster: LearningCluster, extension: str) -> str:
    """The name a downloaded handbook is saved under, e.g. walking-groups-handbook.md."""
    return f"{slugify(cluster.name) or 'cluster'}-handbook.{extension}"


def handbook_data(*, cluster: LearningCluster) -> dict:
    """Everything the handbook shows, read in a handful of queries."""
    peer_assists = (
        PeerAssist.objects.filter(session__cluster=cluster)
        .select_related("session", "presenter__organisation")
        .prefetch_related("questions", "advice", "follow_ups__owner")
    )
    return {
        "cluster": cluster,
        "tags": [t.name for t in cluster.strategy_tags.all()],
        "facilitators": [str(u) for u in cluster.facilitators.all()],
        "participants": list(cluster.participants.select_related("organisation")),
        "sessions": list(cluster.sessions.all()),
        "peer_assists": list(peer_assists),
        "lessons": list(
            cluster.lessons.select_related(
                "peer_assist__presenter__organisation", "peer_assist__session__cluster"
            ).prefetch_related("tags")
        ),
        "stats": cluster_stats(cluster=cluster),
        "generated_on": timezone.localdate(),
    }


def peer_assist_label(peer_assist: PeerAssist) -> str:
    """How a lesson names the peer assist it came from (a project may present more than once)."""
    return f"the peer assist for {peer_assist.presenter.name} at {peer_assist.session.display_title}"


def _md(text: str) -> str:
    """Plain text made safe as one Markdown paragraph or list item (no accidental headings or markup)."""
    escaped = text.strip().replace("\\", "\\\\")
    for char in "*_`[]<>#|":
        escaped = escaped.replace(char, "\\" + char)
    return "  \n".join(line.strip() for line in escaped.splitlines() if line.strip())


def handbook_markdown(*, cluster: LearningCluster) -> str:
    """The handbook as a Markdown document."""
    d = handbook_data(cluster=cluster)
    out = [f"# {_md(cluster.name)} — learning cluster handbook", ""]
    out += [f"_Network: {_md(cluster.network.name)}. Compiled on {d['generated_on']:%d %B %Y}._", ""]
    out += ["## Purpose", "", _md(cluster.description) or "No purpose written yet.", ""]
    if d["tags"]:
        out += [f"**Strategies:** {_md(', '.join(d['tags']))}", ""]
    if d["facilitators"]:
        out += [f"**Facilitated by:** {_md(', '.join(d['facilitators']))}", ""]
    out += ["## Participants", ""]
    out += [
        f"- {_md(p.name)}" + (f" ({_md(p.effective_community)})" if p.effective_community else "")
        for p in d["participants"]
    ] or ["No participants yet."]
    out += ["", "## Sessions", ""]
    for s in d["sessions"]:
        out += [f"### {_md(s.display_title)} — {timezone.localtime(s.starts_at):%d %B %Y}", ""]
        out += [f"{s.get_mode_display()}."]
        if s.agenda:
            out += ["", "**Agenda:** " + _md(s.agenda)]
        if s.notes:
            out += ["", "**Notes:** " + _md(s.notes)]
        out += [""]
    if not d["sessions"]:
        out += ["No sessions yet.", ""]
    out += ["## Lessons", ""]
    for lesson in d["lessons"]:
        tags = ", ".join(t.name for t in lesson.tags.all())
        extra = f" _({_md(tags)})_" if tags else ""
        if lesson.peer_assist:
            extra += f" — from {_md(peer_assist_label(lesson.peer_assist))}"
        out += [f"- {_md(lesson.text)}{extra}"]
    if not d["lessons"]:
        out += ["No lessons written yet."]
    out += ["", "## Peer assists", ""]
    for pa in d["peer_assists"]:
        out += [f"### {_md(pa.presenter.name)}: the challenge", "", _md(pa.challenge), ""]
        if pa.questions.all():
            out += ["**Questions asked**", ""] + [f"- {_md(q.text)}" for q in pa.questions.all()] + [""]
        if pa.advice.all():
            out += ["**Advice**", ""] + [f"- {_md(a.text)}" for a in pa.advice.all()] + [""]
        if pa.follow_ups.all():
            out += ["**Follow-ups**", ""]
            for f in pa.follow_ups.all():
                owner = f" — {_md(f.owner.name)}" if f.owner else ""
                due = f", due {f.due_on:%d %B %Y}" if f.due_on else ""
                out += [f"- {_md(f.action)}{owner}{due} ({f.get_status_display().lower()})"]
            out += [""]
    if not d["peer_assists"]:
        out += ["No peer assists yet.", ""]
    st = d["stats"]
    if st["ties_created_across_communities"] is None:
        across = "ties across communities are counted once the network's figures are calculated"
    else:
        across = (
            f"{st['ties_created_across_communities']} across the communities the network map detected on "
            f"{timezone.localtime(st['communities_as_of']):%d %B %Y}"
        )
        if st["ties_created_unplaced"]:
            across += f"; {st['ties_created_unplaced']} not yet placed"
    out += ["## In figures", ""]
    rate = (
        f"{st['attendance_rate']:.0%} ({st['attended']} of {st['attendance_expected']}: "
        "each person of the cluster at each session held)"
        if st["attendance_rate"] is not None
        else "no session held yet"
    )
    out += [
        f"- Sessions: {st['sessions']}",
        f"- Attendance rate: {rate}",
        f"- Peer assists held: {st['peer_assists']}",
        f"- Follow-ups done: {st['follow_ups_done']} of {st['follow_ups']}",
        f"- New ties woven: {st['ties_created']} ({across})",
        "",
    ]
    return "\n".join(out)


def handbook_html(*, cluster: LearningCluster) -> str:
    """The handbook as a standalone, printable HTML page."""
    return render_to_string("clusters/handbook.html", handbook_data(cluster=cluster))
