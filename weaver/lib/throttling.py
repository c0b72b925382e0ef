"""Request limits: DRF throttles for the API, failed token attempts by address, password-reset e-mails.

Counts live in Django's cache (CACHE_URL: files under var/ by default, Redis in compose). Rates are read
from the settings on every request, not at import like DRF's own classes, so they can be changed in tests.
"""

import hashlib

from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle, UserRateThrottle


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Requests without a login, counted per client address (by AnonymousRateLimit)."""

    def get_cache_key(self, request, view):
        # Asked while authenticating, when request.user is not set yet: the caller is anonymous.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Requests with a login (token or session), counted per login."""


class _IdentThrottle(_RateFromSettings, SimpleRateThrottle):
    """A throttle counting whatever `ident` names (an address, an e-mail); `view` is unused."""

    def __init__(self, ident: str):
        self.ident = ident
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}

    def refused(self) -> bool:
        """Whether the limit is reached, without counting this request."""
        self.key = self.get_cache_key(None, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def count(self) -> None:
        self.refused()
        self.throttle_success()


class AuthFailureThrottle(_IdentThrottle):
    scope = "auth_failure"


class PasswordResetThrottle(_IdentThrottle):
    scope = "password_reset"


def _ident(request) -> str:
    """The client's address as DRF's throttles see it (NUM_PROXIES decides whether X-Forwarded-For counts)."""
    return BaseThrottle().get_ident(request)


def client_address(request) -> str:
    """The address django-axes locks logins by: the same one the API throttles count."""
    return _ident(request)


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token authentication where an address that sent too many bad tokens gets 429 for a while."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None  # no token: nothing to count, and no cache read
        throttle = AuthFailureThrottle(_ident(request))
        if throttle.refused():
            raise Throttled(wait=throttle.wait())
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle.count()
            raise


class AnonymousRateLimit(BaseAuthentication):
    """Last of the authentication classes: a request none of them identified counts as anonymous traffic.

    Throttles run after permissions in DRF, so an anonymous request to a view needing a login would
    be a 401 before any throttle counted it; counting here puts the limit first.
    """

    def authenticate(self, request):
        throttle = AnonThrottle()
        if not throttle.allow_request(request, None):
            raise Throttled(wait=throttle.wait())
        return None


def password_reset_refused(request, email: str) -> float | None:
    """Count a password-reset request from this address and for this e-mail; seconds to wait if over."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    waits = []
    throttles = [PasswordResetThrottle(f"ip-{_ident(request)}"), PasswordResetThrottle(f"email-{digest}")]
    for throttle in throttles:
        if throttle.refused():
            waits.append(throttle.wait())
        else:
            throttle.count()
    return max(waits) if waits else None


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def schema_throttled_responses(result, generator, request, public):
    """drf-spectacular hook: every operation may answer 429 (throttled), with a Retry-After header."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}:
                continue
            response = operation.setdefault("responses", {}).setdefault(
                "429",
                {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse429"}}
                    },
                    "description": "",
                },
            )
            response.setdefault("headers", {}).update(RETRY_AFTER)
            if not response.get("description"):
                response["description"] = "Too many requests: wait the seconds in Retry-After."
    return result
