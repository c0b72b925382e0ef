import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from networks.models import Member, Network, NetworkRole, Relationship, Role

PASSWORD = "weaver-test-pass"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.LazyAttribute(lambda u: u.username.capitalize())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")
    purpose = "Spread what works in community health."


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkRole

    network = factory.SubFactory(NetworkFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    network = factory.SubFactory(NetworkFactory)
    kind = Member.Kind.PERSON
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda m: f"{m.name.lower().replace(' ', '.')}@example.org")
    community = "North"


class OrganisationFactory(MemberFactory):
    kind = Member.Kind.ORGANISATION
    name = factory.Sequence(lambda n: f"Organisation {n}")
    email = ""


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    network = factory.SubFactory(NetworkFactory)
    source = factory.SubFactory(MemberFactory, network=factory.SelfAttribute("..network"))
    target = factory.SubFactory(MemberFactory, network=factory.SelfAttribute("..network"))
    kind = "knows"
    strength = 3


def allow_network_creation(user):
    """What a staff member does in the admin: give the login "Can add network" (WEAVER_NETWORK_CREATORS)."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="networks", codename="add_network")
    )
    return user
