"""`Authorization: Token <key>` for the hashed, self-service tokens of the account page."""

from rest_framework.exceptions import AuthenticationFailed

from accounts import services
from accounts.models import ApiToken
from weaver.lib.throttling import ThrottledTokenAuthentication


class HashedTokenAuthentication(ThrottledTokenAuthentication):
    """Looks the key's SHA-256 up, then DRF's own tokens (made by `drf_create_token`, stored as they
    are); a key found in neither answers 401 (and counts towards the address's bad-token throttle)."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=services.token_digest(key)).first()
        if token is None:
            return super().authenticate_credentials(key)
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        services.api_token_touch(token=token)
        return token.user, token
