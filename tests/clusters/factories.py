import datetime

import factory
from django.utils import timezone

from clusters.models import ClusterParticipant, ClusterPerson, ClusterSession, LearningCluster
from tests.factories import NetworkFactory, OrganisationFactory


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningCluster
        skip_postgeneration_save = True

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Cluster {n}")
    description = "Share what works in walking groups."


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterParticipant

    cluster = factory.SubFactory(ClusterFactory)
    organisation = factory.SubFactory(OrganisationFactory, network=factory.SelfAttribute("..cluster.network"))


class ClusterPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterPerson

    cluster = factory.SubFactory(ClusterFactory)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterSession

    cluster = factory.SubFactory(ClusterFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    mode = ClusterSession.Mode.VIRTUAL
    link = "https://meet.example.org/walking"
    agenda = "Round of news; one peer assist."
