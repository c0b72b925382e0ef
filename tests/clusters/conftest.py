import pytest

from networks.models import Role
from tests.clusters.factories import ClusterFactory, ClusterPersonFactory
from tests.factories import MemberFactory, RoleFactory, UserFactory


@pytest.fixture
def cluster(network):
    return ClusterFactory(network=network, name="Walking groups")


@pytest.fixture
def dave(network, cluster):
    """The cluster's facilitator (holds only the facilitator role in the network)."""
    user = UserFactory(username="dave")
    RoleFactory(network=network, user=user, role=Role.FACILITATOR)
    cluster.facilitators.add(user)
    return user


@pytest.fixture
def bob_in_cluster(network, cluster, bob):
    """Bob takes part in the cluster as a person of the network linked to his login."""
    person = MemberFactory(network=network, name="Bob Baker", user=bob)
    ClusterPersonFactory(cluster=cluster, person=person)
    return bob


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are hashed per test; the production hasher's slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
