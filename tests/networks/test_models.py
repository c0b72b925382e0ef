import pytest
from django.db import IntegrityError, transaction

from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory


def test_a_member_cannot_be_tied_to_themselves(network):
    ana = MemberFactory(network=network)
    with pytest.raises(IntegrityError), transaction.atomic():
        RelationshipFactory(network=network, source=ana, target=ana)


@pytest.mark.parametrize("strength", [0, 6])
def test_strength_outside_one_to_five_is_refused_by_the_database(network, strength):
    with pytest.raises(IntegrityError), transaction.atomic():
        RelationshipFactory(network=network, strength=strength)


def test_only_one_active_tie_per_pair_and_type(network):
    tie = RelationshipFactory(network=network, kind="knows")
    with pytest.raises(IntegrityError), transaction.atomic():
        RelationshipFactory(network=network, source=tie.source, target=tie.target, kind="knows")


def test_an_ended_tie_leaves_room_for_a_new_one_of_the_same_type(network):
    tie = RelationshipFactory(network=network, kind="knows")
    tie.end()
    tie.save()
    again = RelationshipFactory(network=network, source=tie.source, target=tie.target, kind="knows")
    assert again.is_active and not tie.is_active


def test_a_different_type_between_the_same_pair_is_allowed(network):
    tie = RelationshipFactory(network=network, kind="knows")
    other = RelationshipFactory(network=network, source=tie.source, target=tie.target, kind="collaborates")
    assert other.pk != tie.pk


def test_emails_are_unique_per_network_ignoring_case(network, other_network):
    MemberFactory(network=network, email="ana@example.org")
    MemberFactory(network=other_network, email="ana@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(network=network, email="ANA@example.org")


def test_many_members_may_have_no_email(network):
    MemberFactory(network=network, email="")
    MemberFactory(network=network, email="")
    OrganisationFactory(network=network)
    assert network.members.filter(email="").count() == 3
