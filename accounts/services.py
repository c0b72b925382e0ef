"""Writes of accounts: API tokens are created (the key returned once), touched when used and revoked."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken
from networks.models import Role

KEY_PREFIX = "wvr_"
# Writing last_used_at on every request would turn every API read into a write.
TOUCH_EVERY = timedelta(minutes=1)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def can_have_api_tokens(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.network_roles.filter(role=Role.COORDINATOR).exists()
    )


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user (coordinators only); returns it with its key, which is never stored."""
    if not can_have_api_tokens(user):
        raise PermissionDenied("API tokens are for the coordinators of a network.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, such as the script that will use it."})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=key[: len(KEY_PREFIX) + 4], key_hash=token_digest(key))
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, user, token: ApiToken) -> None:
    """Delete one of the user's own tokens: the next request with its key answers 401."""
    if token.user_id != user.pk:
        raise PermissionDenied("This is not your token.")
    token.delete()


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was used now (at most once a minute per token)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
