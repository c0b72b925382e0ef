import pytest

from surveys import services
from tests.factories import MemberFactory, OrganisationFactory
from tests.surveys.factories import open_campaign


@pytest.fixture
def people(network):
    """Five people of the network, Ana at the Valley Clinic."""
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    members = {
        name: MemberFactory(network=network, name=name) for name in ("Ana", "Ben", "Chen", "Dee", "Eve")
    }
    members["Ana"].organisations.add(clinic)
    members["clinic"] = clinic
    return members


@pytest.fixture
def campaign(network, alice):
    return open_campaign(network=network, user=alice)


@pytest.fixture
def invitations(campaign, people, alice):
    """Everyone but the clinic invited, by name."""
    persons = [people[n] for n in ("Ana", "Ben", "Chen", "Dee", "Eve")]
    created = services.invitations_create(user=alice, campaign=campaign, members=persons)
    return {i.member.name: i for i in created}
