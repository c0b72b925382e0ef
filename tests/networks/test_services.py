import datetime

import pytest
from django.core.exceptions import ValidationError

from networks import services
from networks.models import Member, Relationship, Role, SuggestionDecision
from tests.factories import MemberFactory, NetworkFactory, OrganisationFactory, RelationshipFactory


def test_creating_a_network_makes_its_creator_a_coordinator(db, django_user_model):
    dana = django_user_model.objects.create_user("dana")
    network = services.network_create(user=dana, name="Rural Health", slug="rural-health", purpose="Care")
    assert list(network.roles.values_list("user__username", "role")) == [("dana", Role.COORDINATOR)]


def test_member_create_records_who_made_the_change(network, alice):
    ana = services.member_create(user=alice, network=network, name=" Ana Silva ", tags=["food", "Food"])
    records = list(ana.history.order_by("history_date"))
    assert records[0].history_type == "+"
    assert {r.history_user for r in records} == {alice}
    assert ana.name == "Ana Silva"
    assert list(ana.tags.values_list("name", flat=True)) == ["food"]


def test_member_update_history_says_what_changed(network, alice):
    ana = services.member_create(user=alice, network=network, name="Ana", community="North")
    services.member_update(user=alice, member=ana, community="South")
    latest = ana.history.first()
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("community", "North", "South")]


def test_a_second_member_with_the_same_email_is_refused_with_a_field_error(network, alice):
    services.member_create(user=alice, network=network, name="Ana", email="ana@example.org")
    with pytest.raises(ValidationError) as err:
        services.member_create(user=alice, network=network, name="Ana 2", email="ANA@example.org")
    assert "email" in err.value.message_dict


def test_organisations_must_be_organisations_of_the_same_network(network, other_network, alice):
    foreign = OrganisationFactory(network=other_network)
    person = MemberFactory(network=network)
    with pytest.raises(ValidationError) as err:
        services.member_create(user=alice, network=network, name="Ben", organisations=[foreign])
    assert "organisations" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.member_create(user=alice, network=network, name="Ben", organisations=[person])


def test_archiving_keeps_the_member_and_is_idempotent(network, alice):
    ana = MemberFactory(network=network)
    services.member_archive(user=alice, member=ana)
    first = ana.archived_at
    services.member_archive(user=alice, member=ana)
    ana.refresh_from_db()
    assert ana.archived_at == first
    assert Member.objects.active().filter(pk=ana.pk).count() == 0
    services.member_unarchive(user=alice, member=ana)
    assert Member.objects.active().filter(pk=ana.pk).exists()


def test_relationship_add_refuses_self_ties_and_other_networks(network, other_network, alice):
    ana = MemberFactory(network=network)
    stranger = MemberFactory(network=other_network)
    with pytest.raises(ValidationError) as err:
        services.relationship_add(user=alice, network=network, source=ana, target=ana)
    assert "target" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.relationship_add(user=alice, network=network, source=ana, target=stranger)
    assert "target" in err.value.message_dict


@pytest.mark.parametrize("strength", [0, 6, "3"])
def test_relationship_strength_must_be_a_whole_number_from_one_to_five(network, alice, strength):
    ana, ben = MemberFactory.create_batch(2, network=network)
    with pytest.raises(ValidationError) as err:
        services.relationship_add(user=alice, network=network, source=ana, target=ben, strength=strength)
    assert "strength" in err.value.message_dict


def test_the_same_type_of_tie_the_other_way_round_is_a_duplicate(network, alice):
    ana, ben = MemberFactory.create_batch(2, network=network)
    services.relationship_add(user=alice, network=network, source=ana, target=ben, kind="Knows")
    with pytest.raises(ValidationError):
        services.relationship_add(user=alice, network=network, source=ben, target=ana, kind="knows")
    other = services.relationship_add(user=alice, network=network, source=ben, target=ana, kind="funds")
    assert other.kind == "funds"


def test_ending_a_tie_keeps_it_and_allows_a_new_one(network, alice):
    tie = RelationshipFactory(network=network, started_on=datetime.date(2026, 1, 1))
    services.relationship_end(user=alice, relationship=tie, ended_on=datetime.date(2026, 6, 1))
    assert tie.history.first().history_user == alice
    again = services.relationship_add(
        user=alice, network=network, source=tie.source, target=tie.target, kind=tie.kind
    )
    assert Relationship.objects.active().get(pk=again.pk)


def test_a_tie_cannot_end_before_it_started(network, alice):
    tie = RelationshipFactory(network=network, started_on=datetime.date(2026, 5, 1))
    with pytest.raises(ValidationError):
        services.relationship_end(user=alice, relationship=tie, ended_on=datetime.date(2026, 1, 1))
    tie.refresh_from_db()
    assert tie.ended_on is None


def test_accepting_a_suggestion_ties_the_pair_with_provenance_and_remembers_it(network, alice):
    ana, ben = MemberFactory.create_batch(2, network=network)
    tie = services.suggestion_accept(user=alice, network=network, member_a=ben, member_b=ana)
    assert tie.provenance == Relationship.Provenance.SUGGESTION
    decision = SuggestionDecision.objects.get()
    assert (decision.member_a, decision.member_b, decision.decision) == (ana, ben, "accepted")
    with pytest.raises(ValidationError):
        services.suggestion_accept(user=alice, network=network, member_a=ana, member_b=ben)


def test_dismissing_a_suggestion_twice_keeps_one_decision(network, alice):
    ana, ben = MemberFactory.create_batch(2, network=network)
    services.suggestion_dismiss(user=alice, network=network, member_a=ana, member_b=ben)
    services.suggestion_dismiss(user=alice, network=network, member_a=ben, member_b=ana)
    assert SuggestionDecision.objects.filter(decision="dismissed").count() == 1
    assert not Relationship.objects.exists()


def test_a_person_with_organisations_cannot_become_an_organisation(network, alice):
    clinic = OrganisationFactory(network=network)
    ana = services.member_create(user=alice, network=network, name="Ana", organisations=[clinic])
    with pytest.raises(ValidationError) as err:
        services.member_update(user=alice, member=ana, kind=Member.Kind.ORGANISATION)
    assert "organisations" in err.value.message_dict
    services.member_update(user=alice, member=ana, kind=Member.Kind.ORGANISATION, organisations=[])
    ana.refresh_from_db()
    assert ana.kind == Member.Kind.ORGANISATION and not ana.organisations.exists()


def test_a_slug_taken_between_the_check_and_the_insert_is_a_field_error(db, alice, monkeypatch):
    from networks.models import Network

    monkeypatch.setattr(Network, "validate_unique", lambda self, exclude=None: None)  # lose the race
    NetworkFactory(slug="taken")
    with pytest.raises(ValidationError) as err:
        services.network_create(user=alice, name="Again", slug="taken", purpose="x")
    assert "slug" in err.value.message_dict


def test_an_email_taken_between_the_check_and_the_insert_is_a_field_error(network, alice, monkeypatch):
    MemberFactory(network=network, email="ana@example.org")
    monkeypatch.setattr(services, "_check_email_free", lambda **kwargs: None)  # lose the race
    with pytest.raises(ValidationError) as err:
        services.member_create(user=alice, network=network, name="Ana 2", email="ana@example.org")
    assert "email" in err.value.message_dict


def test_two_members_with_one_name_need_emails_to_be_told_apart(network, alice):
    services.member_create(user=alice, network=network, name="Sam Lee")
    with pytest.raises(ValidationError) as error:
        services.member_create(user=alice, network=network, name="sam lee ")
    assert "give this one an email" in error.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as error:
        services.member_create(user=alice, network=network, name="Sam Lee", email="sam@example.org")
    assert "has no email: add one to them first" in error.value.message_dict["name"][0]


def test_two_members_with_one_name_and_their_own_emails_are_fine(network, alice):
    services.member_create(user=alice, network=network, name="Sam Lee", email="sam1@example.org")
    other = services.member_create(user=alice, network=network, name="Sam Lee", email="sam2@example.org")
    with pytest.raises(ValidationError, match="give this one an email"):
        services.member_update(user=alice, member=other, email="")


def test_an_organisation_name_or_a_tag_cannot_hold_the_spreadsheet_list_separator(network, alice):
    with pytest.raises(ValidationError) as error:
        services.member_create(
            user=alice, network=network, name="Health | Care", kind=Member.Kind.ORGANISATION
        )
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.member_create(user=alice, network=network, name="Ana", tags=["food|health"])
    assert "tags" in error.value.message_dict
    with pytest.raises(ValidationError, match="longer than 80"):
        services.member_create(user=alice, network=network, name="Ana", tags=["t" * 81])
    assert not Member.objects.filter(network=network).exists()


def test_an_organisation_that_people_work_with_cannot_become_a_person(network, alice):
    org = OrganisationFactory(network=network, name="Hillside Clinic")
    MemberFactory(network=network, name="Ana").organisations.add(org)
    with pytest.raises(ValidationError) as error:
        services.member_update(user=alice, member=org, kind=Member.Kind.PERSON)
    assert "kind" in error.value.message_dict
    org.refresh_from_db()
    assert org.kind == Member.Kind.ORGANISATION


def test_an_archived_member_cannot_get_a_new_relationship(network, alice):
    ana = MemberFactory(network=network, name="Ana")
    ben = services.member_archive(user=alice, member=MemberFactory(network=network, name="Ben"))
    with pytest.raises(ValidationError) as error:
        services.relationship_add(user=alice, network=network, source=ana, target=ben)
    assert "archived" in error.value.message_dict["target"][0]
