from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Weaver's user; roles are per network (networks.NetworkRole)."""

    def __str__(self) -> str:
        return self.get_full_name() or self.username
