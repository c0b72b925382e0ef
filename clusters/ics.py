"""A session as an iCalendar (RFC 5545) invitation, written by hand: one event needs no library.

METHOD:REQUEST makes it an iTIP request (RFC 5546), which must name its ORGANIZER and ATTENDEE,
so the file is built once per recipient.
"""

import re
from datetime import UTC, datetime
from email.utils import parseaddr

from django.utils import timezone

from clusters.models import ClusterSession

# RFC 5545 §3.1: TEXT values and quoted parameters may not carry control characters (HTAB aside).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escape(text: str) -> str:
    # RFC 5545 §3.3.11: backslash, semicolon and comma are escaped; newlines become \n.
    return _CONTROL.sub(
        "",
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n"),
    )


def _param(text: str) -> str:
    """A parameter value (RFC 5545 §3.2): always quoted, as it may hold ':', ';' or ','; no DQUOTE inside."""
    return '"' + _CONTROL.sub("", text.replace('"', "").replace("\r", " ").replace("\n", " ")) + '"'


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _cal_address(prop: str, name: str, email: str, *params: str) -> str:
    cn = f";CN={_param(name)}" if name.strip() else ""
    return f"{prop}{cn}{''.join(';' + p for p in params)}:mailto:{email}"


def session_ics(
    session: ClusterSession,
    *,
    organizer: str,
    attendee_name: str,
    attendee_email: str,
    domain: str = "weaver.local",
    now: datetime | None = None,
) -> str:
    """The session as a one-event invitation to one attendee (METHOD:REQUEST), CRLF line endings.

    `organizer` is an e-mail address, optionally with a display name ("Weaver <weaver@example.org>").
    """
    cluster = session.cluster
    description = session.agenda or cluster.description
    location = session.link if session.mode == ClusterSession.Mode.VIRTUAL else session.location
    organizer_name, organizer_email = parseaddr(organizer)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Weaver//Learning clusters//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:cluster-session-{session.pk}@{domain}",
        f"SEQUENCE:{session.sequence}",
        f"DTSTAMP:{_utc(now or timezone.now())}",
        f"DTSTART:{_utc(session.starts_at)}",
        f"DTEND:{_utc(session.ends_at)}",
        f"SUMMARY:{_escape(session.display_title)}",
        _cal_address("ORGANIZER", organizer_name, organizer_email or organizer),
        _cal_address("ATTENDEE", attendee_name, attendee_email, "RSVP=FALSE"),
    ]
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if session.link:
        lines.append(f"URL:{session.link}")
    lines += ["STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
