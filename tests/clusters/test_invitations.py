"""Session invitations: the e-mail, its calendar part, and a strict reading of the .ics (RFC 5545/5546)."""

import datetime
import email
import re
from email import policy

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from clusters.ics import session_ics
from clusters.models import ClusterSession, SessionInvitation
from clusters.services import cluster_person_add, session_invitations_send, session_update
from tests.clusters.factories import SessionFactory
from tests.factories import PASSWORD, MemberFactory

NAME = r"[A-Za-z0-9-]+"
# param-value: paramtext (no DQUOTE ; : , or controls) or a quoted-string (no DQUOTE or controls).
PARAM_VALUE = r'(?:"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\x00-\x08\x0a-\x1f\x7f]*)'
PARAM = rf"{NAME}={PARAM_VALUE}(?:,{PARAM_VALUE})*"
CONTENT_LINE = re.compile(
    rf"^(?P<name>{NAME})(?P<params>(?:;{PARAM})*):(?P<value>[^\x00-\x08\x0a-\x1f\x7f]*)$"
)
TEXT_PROPERTIES = {"SUMMARY", "DESCRIPTION", "LOCATION"}
UTC_DATE_TIME = re.compile(r"^\d{8}T\d{6}Z$")


def unescape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11) read back; an unescaped , or ; or a stray backslash fails."""
    out, chars = [], iter(value)
    for char in chars:
        assert char not in ",;", f"unescaped {char!r} in {value!r}"
        if char == "\\":
            following = next(chars, "")
            assert following in "\\;,nN" and following, f"bad escape in {value!r}"
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse_strictly(raw: bytes) -> dict:
    """Read an iTIP REQUEST the way a strict calendar would, failing on anything RFC 5545 forbids.

    Returns the event's properties: name -> list of (params dict, value), TEXT values unescaped.
    """
    text = raw.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    physical = text[:-2].split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in physical), "a line is longer than 75 octets"
    lines: list[str] = []
    for line in physical:
        if line[:1] in (" ", "\t"):
            assert lines, "the file starts with a continuation line"
            lines[-1] += line[1:]
        else:
            lines.append(line)
    stack, calendar, event = [], {}, {}
    for line in lines:
        match = CONTENT_LINE.match(line)
        assert match, f"not a content line: {line!r}"
        name, value = match["name"].upper(), match["value"]
        params = {}
        for param in re.findall(rf";({NAME})=({PARAM_VALUE}(?:,{PARAM_VALUE})*)", match["params"]):
            assert param[0].upper() not in params, f"{param[0]} given twice in {line!r}"
            params[param[0].upper()] = param[1].strip('"')
        if name == "BEGIN":
            stack.append(value)
            continue
        if name == "END":
            assert stack and stack.pop() == value, f"END:{value} does not close what was opened"
            continue
        assert stack, f"{name} outside VCALENDAR"
        target = event if stack[-1] == "VEVENT" else calendar
        if name in TEXT_PROPERTIES:
            value = unescape_text(value)
        target.setdefault(name, []).append((params, value))
    assert not stack, f"{stack} left open"
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert calendar["VERSION"] == [({}, "2.0")] and "PRODID" in calendar
    assert calendar["METHOD"] == [({}, "REQUEST")]
    # RFC 5546 §3.2.2: a REQUEST's VEVENT needs these, each once, and at least one ATTENDEE.
    for required in ("DTSTAMP", "DTSTART", "ORGANIZER", "SEQUENCE", "SUMMARY", "UID"):
        assert len(event.get(required, [])) == 1, f"VEVENT needs exactly one {required}"
    assert event.get("ATTENDEE"), "a REQUEST needs an ATTENDEE"
    for stamp in ("DTSTAMP", "DTSTART", "DTEND"):
        assert UTC_DATE_TIME.match(event[stamp][0][1]), stamp
    for prop in ("ORGANIZER", "ATTENDEE"):
        assert all(value.startswith("mailto:") for _, value in event[prop])
    return event


@pytest.fixture
def people(network, alice, cluster):
    ana = MemberFactory(network=network, name="Ana Alves, Jr.", email="ana@example.org")
    ben = MemberFactory(network=network, name="Ben", email="ben@example.org")
    for person in (ana, ben):
        cluster_person_add(user=alice, cluster=cluster, person=person)
    cluster_person_add(user=alice, cluster=cluster, person=MemberFactory(network=network, email=""))
    return ana, ben


def calendar_part(message):
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    return part


def send(session, capture):
    with capture(execute=True):
        return session_invitations_send(user=None, session=session)


def test_each_person_gets_a_strictly_valid_request_naming_the_organiser_and_them(
    settings, cluster, people, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Weaver invitations <invites@weaver.example>"
    session = SessionFactory(
        cluster=cluster, title="Walks, talks; and \\ more", agenda="Line one\n" + "é" * 80
    )
    assert send(session, django_capture_on_commit_callbacks) == 2
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {"ana@example.org", "ben@example.org"}
    for person in people:
        part = calendar_part(by_recipient[person.email])
        event = parse_strictly(part.get_payload(decode=True))
        assert event["ORGANIZER"] == [({"CN": "Weaver invitations"}, "mailto:invites@weaver.example")]
        assert event["ATTENDEE"] == [({"CN": person.name, "RSVP": "FALSE"}, f"mailto:{person.email}")]
        assert event["SUMMARY"] == [({}, "Walks, talks; and \\ more")]
        assert event["DESCRIPTION"] == [({}, "Line one\n" + "é" * 80)]
        assert event["UID"] == [({}, f"cluster-session-{session.pk}@weaver.local")]
    assert SessionInvitation.objects.filter(session=session).count() == 2


def test_the_calendar_part_has_one_charset_and_the_itip_method_in_a_clean_header(
    cluster, people, mailoutbox, django_capture_on_commit_callbacks
):
    send(SessionFactory(cluster=cluster), django_capture_on_commit_callbacks)
    # The legacy parser keeps every parameter as sent (the modern one folds duplicates together).
    raw = email.message_from_bytes(mailoutbox[0].message().as_bytes())
    (part,) = [p for p in raw.walk() if p.get_content_type() == "text/calendar"]
    assert sorted(part.get_params()[1:]) == [("charset", "utf-8"), ("method", "REQUEST")]
    assert part.get_filename() == "invitation.ics" and part.get_content_disposition() == "attachment"


def test_a_bare_from_address_is_the_organiser_without_a_name(
    settings, cluster, people, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "weaver@localhost"
    send(SessionFactory(cluster=cluster), django_capture_on_commit_callbacks)
    event = parse_strictly(calendar_part(mailoutbox[0]).get_payload(decode=True))
    assert event["ORGANIZER"] == [({}, "mailto:weaver@localhost")]


def test_the_invitation_says_when_in_the_configured_time_zone(
    settings, cluster, people, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "America/New_York"
    starts_at = datetime.datetime(2025, 5, 6, 13, 30, tzinfo=datetime.UTC)
    send(SessionFactory(cluster=cluster, starts_at=starts_at), django_capture_on_commit_callbacks)
    assert "When: Tuesday 06 May 2025, 09:30 EDT" in mailoutbox[0].body
    event = parse_strictly(calendar_part(mailoutbox[0]).get_payload(decode=True))
    assert event["DTSTART"] == [({}, "20250506T133000Z")]  # the file itself stays in UTC


def test_invitations_go_once_per_version_and_again_with_a_higher_sequence_after_a_reschedule(
    alice, cluster, people, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory(cluster=cluster)
    send(session, django_capture_on_commit_callbacks)
    assert send(session, django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 2
    session = session_update(user=alice, session=session, duration_minutes=120)
    send(session, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 4
    event = parse_strictly(calendar_part(mailoutbox[-1]).get_payload(decode=True))
    assert event["SEQUENCE"] == [({}, "1")]


def test_the_calendar_file_escapes_text_and_folds_long_lines(cluster):
    session = ClusterSession(
        pk=7,
        cluster=cluster,
        title="Walks, talks; and \\ more",
        starts_at=datetime.datetime(2025, 5, 6, 9, 30, tzinfo=datetime.UTC),
        duration_minutes=60,
        mode=ClusterSession.Mode.IN_PERSON,
        location="Town hall",
        agenda="Line one\n" + "é" * 80 + "\x07",
    )
    ics = session_ics(
        session,
        organizer="weaver@localhost",
        attendee_name='Ana "the walker" Alves; North',
        attendee_email="ana@example.org",
        now=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC),
    )
    assert "SUMMARY:Walks\\, talks\\; and \\\\ more\r\n" in ics
    assert "DTSTART:20250506T093000Z\r\nDTEND:20250506T103000Z\r\n" in ics
    assert "LOCATION:Town hall\r\n" in ics
    assert "\r\n " in ics  # the long description was folded
    event = parse_strictly(ics.encode())
    assert event["ATTENDEE"] == [
        ({"CN": "Ana the walker Alves; North", "RSVP": "FALSE"}, "mailto:ana@example.org")
    ]
    assert event["DESCRIPTION"] == [({}, "Line one\n" + "é" * 80)]  # the bell character is dropped


def test_the_strict_reader_refuses_what_the_old_file_got_wrong():
    header = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    event = "UID:1\r\nDTSTAMP:20250501T000000Z\r\nDTSTART:20250501T000000Z\r\nSEQUENCE:0\r\nSUMMARY:x\r\n"
    footer = "END:VEVENT\r\nEND:VCALENDAR\r\n"
    with pytest.raises(AssertionError, match="ORGANIZER"):
        parse_strictly((header + event + footer).encode())
    with pytest.raises(AssertionError, match="unescaped"):
        parse_strictly((header + event.replace("SUMMARY:x", "SUMMARY:a,b") + footer).encode())
    with pytest.raises(AssertionError, match="75 octets"):
        parse_strictly((header + event.replace("SUMMARY:x", "SUMMARY:" + "x" * 80) + footer).encode())


# ---------------------------------------------------------------- who may send them


def login(client, user):
    client.login(request=RequestFactory().post("/"), username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def session(cluster, people):
    return SessionFactory(cluster=cluster)


def invite_page(network, cluster, session):
    return reverse("clusters:session-invite", args=[network.slug, cluster.pk, session.pk])


def invite_api(network, session):
    return f"/api/v1/networks/{network.slug}/sessions/{session.pk}/invite/"


def test_the_facilitator_sends_the_invitations_from_the_session_page(
    client, network, dave, cluster, session, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, dave).post(invite_page(network, cluster, session), follow=True)
    assert response.redirect_chain[-1][0] == session.get_absolute_url()
    assert "on their way to 2 people" in response.text
    assert len(mailoutbox) == 2


def test_bob_taking_part_cannot_send_the_invitations_from_the_page(
    client, network, cluster, session, bob_in_cluster, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, bob_in_cluster).post(invite_page(network, cluster, session))
    assert response.status_code == 403 and mailoutbox == []


def test_charlie_gets_404_sending_the_invitations_from_the_page(
    client, network, charlie, cluster, session, mailoutbox
):
    assert login(client, charlie).post(invite_page(network, cluster, session)).status_code == 404
    assert mailoutbox == []


def test_the_facilitator_sends_the_invitations_over_the_api(
    network, dave, session, mailoutbox, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_authenticate(dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_api(network, session))
    assert response.status_code == 202 and response.json() == {"invited": 2}
    assert len(mailoutbox) == 2


def test_bob_taking_part_cannot_send_and_charlie_gets_404_over_the_api(
    network, bob_in_cluster, charlie, session, mailoutbox, django_capture_on_commit_callbacks
):
    for user, expected in ((bob_in_cluster, 403), (charlie, 404)):
        client = APIClient()
        client.force_authenticate(user)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(invite_api(network, session)).status_code == expected
    assert mailoutbox == []
