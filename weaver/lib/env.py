"""Typed readers for environment variables that fail loudly on bad values."""

import os
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_RATE = re.compile(r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A request rate as DRF writes it: `60/minute`, `5/hour`, `1000/day`."""
    raw = os.environ.get(name, default).strip()
    if not _RATE.match(raw):
        raise ImproperlyConfigured(f"{name} must be a rate like 60/minute or 5/hour, got {raw!r}")
    return raw


def env_url(
    name: str, default: str, *, schemes: tuple[str, ...] = ("http", "https"), trim_slash: bool = True
) -> str:
    """A URL with one of the schemes (and a host, for web addresses)."""
    raw = os.environ.get(name, default).strip()
    parts = urlsplit(raw)
    needs_host = parts.scheme in ("http", "https")
    if parts.scheme not in schemes or (needs_host and not parts.netloc) or "://" not in raw:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting {allowed}, got {raw!r}")
    return raw.rstrip("/") if trim_slash else raw
