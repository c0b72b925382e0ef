import datetime

import pytest

from clusters.handbook import handbook_html, handbook_markdown
from clusters.services import (
    advice_add,
    cluster_person_add,
    cluster_update,
    followup_add,
    followup_set_status,
    lesson_add,
    peer_assist_create,
    question_add,
)
from tests.clusters.factories import ParticipantFactory, SessionFactory
from tests.factories import MemberFactory


@pytest.fixture
def lived_cluster(network, alice, cluster):
    cluster_update(user=alice, cluster=cluster, description="Share what keeps walking groups going.")
    ParticipantFactory(
        cluster=cluster, organisation__name="Riverside Walkers", organisation__community="Riverside"
    )
    presenter = ParticipantFactory(cluster=cluster, organisation__name="Hilltop Health")
    session = SessionFactory(cluster=cluster, title="Spring meeting", notes="Eight people came.")
    peer_assist, _ = peer_assist_create(
        user=alice, session=session, presenter=presenter, challenge="Volunteers drop out after the winter."
    )
    question_add(user=alice, peer_assist=peer_assist, text="When do they drop out?")
    advice_add(user=alice, peer_assist=peer_assist, text="Pair each new volunteer with a buddy.")
    ana = MemberFactory(network=network, name="Ana Alves")
    done = followup_add(
        user=alice,
        peer_assist=peer_assist,
        action="Start a buddy scheme",
        owner=ana,
        due_on=datetime.date(2025, 6, 1),
    )
    followup_set_status(user=alice, follow_up=done, status="done")
    lesson_add(
        user=alice,
        cluster=cluster,
        text="Winter is the *hard* part.",
        tags=["Volunteers"],
        peer_assist=peer_assist,
    )
    return cluster


def test_the_markdown_handbook_compiles_purpose_participants_sessions_lessons_advice_and_follow_ups(
    lived_cluster,
):
    md = handbook_markdown(cluster=lived_cluster)
    assert md.startswith("# Walking groups — learning cluster handbook")
    for expected in [
        "## Purpose\n\nShare what keeps walking groups going.",
        "- Riverside Walkers (Riverside)",
        "### Spring meeting",
        "**Notes:** Eight people came.",
        "- Winter is the \\*hard\\* part. _(Volunteers)_",
        "### Hilltop Health: the challenge\n\nVolunteers drop out after the winter.",
        "- When do they drop out?",
        "- Pair each new volunteer with a buddy.",
        "- Start a buddy scheme — Ana Alves, due 01 June 2025 (done)",
        "- Follow-ups done: 1 of 1",
    ]:
        assert expected in md


def test_the_html_handbook_is_a_printable_standalone_page_with_the_same_content(lived_cluster):
    html = handbook_html(cluster=lived_cluster)
    assert html.lstrip().startswith("<!doctype html>")
    assert "@media print" in html
    for expected in [
        "Share what keeps walking groups going.",
        "Riverside Walkers (Riverside)",
        "Pair each new volunteer with a buddy.",
        "Start a buddy scheme — Ana Alves, due 1 June 2025",
        "Winter is the *hard* part.",
    ]:
        assert expected in html


def test_the_html_handbook_escapes_what_people_typed(alice, cluster):
    lesson_add(user=alice, cluster=cluster, text="<script>alert(1)</script>")
    html = handbook_html(cluster=cluster)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_an_empty_cluster_still_has_a_readable_handbook(cluster):
    md = handbook_markdown(cluster=cluster)
    assert "No sessions yet." in md and "No lessons written yet." in md and "No peer assists yet." in md


def test_the_html_handbook_shows_sessions_agenda_notes_questions_and_lesson_tags(lived_cluster):
    html = handbook_html(cluster=lived_cluster)
    session = lived_cluster.sessions.get()
    for expected in [
        f"<h3>Spring meeting — {session.starts_at:%-d %B %Y}</h3>",
        "<p><strong>Agenda:</strong></p><p>Round of news; one peer assist.</p>",
        "<p><strong>Notes:</strong></p><p>Eight people came.</p>",
        "<p><strong>Questions asked</strong></p><ul><li>When do they drop out?</li></ul>",
        "Winter is the *hard* part. <em>(Volunteers)</em>",
    ]:
        assert expected in html, expected


def test_a_lesson_in_the_handbook_names_and_links_the_peer_assist_it_came_from(lived_cluster):
    peer_assist = lived_cluster.lessons.get().peer_assist
    md = handbook_markdown(cluster=lived_cluster)
    source = "from the peer assist for Hilltop Health at Spring meeting"
    assert f"- Winter is the \\*hard\\* part. _(Volunteers)_ — {source}" in md
    html = handbook_html(cluster=lived_cluster)
    assert f'<section id="peer-assist-{peer_assist.pk}">' in html
    assert f'— from <a href="#peer-assist-{peer_assist.pk}">{source[5:]}</a>' in html


def grow(cluster, alice, network):
    """One more session with a peer assist, its questions, advice and follow-ups, and tagged lessons."""
    session = SessionFactory(cluster=cluster, title="")
    presenter = ParticipantFactory(cluster=cluster)
    helpers = [MemberFactory(network=network) for _ in range(5)]
    for person in helpers:
        cluster_person_add(user=alice, cluster=cluster, person=person)
    peer_assist, _ = peer_assist_create(
        user=alice, session=session, presenter=presenter, challenge="Rain", assisting=helpers
    )
    for i in range(2):
        question_add(user=alice, peer_assist=peer_assist, text=f"Question {i}", asked_by=helpers[i])
        advice_add(user=alice, peer_assist=peer_assist, text=f"Advice {i}")
        followup_add(user=alice, peer_assist=peer_assist, action=f"Action {i}", owner=helpers[i])
        lesson_add(
            user=alice, cluster=cluster, text=f"Lesson {i}", tags=[f"Tag {i}"], peer_assist=peer_assist
        )


HANDBOOK_QUERIES = 18  # with the latest snapshot, for ties across communities


@pytest.mark.parametrize("render", [handbook_markdown, handbook_html])
def test_the_handbook_reads_the_same_few_queries_however_much_the_cluster_did(
    network, alice, lived_cluster, django_assert_num_queries, render
):
    with django_assert_num_queries(HANDBOOK_QUERIES):
        render(cluster=lived_cluster)
    grow(lived_cluster, alice, network)
    grow(lived_cluster, alice, network)
    with django_assert_num_queries(HANDBOOK_QUERIES):
        text = render(cluster=lived_cluster)
    assert "Lesson 1" in text and "Question 1" in text
