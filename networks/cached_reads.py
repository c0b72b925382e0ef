"""Reads of a done snapshot rendered once and served as stored bytes (STYLE.md point 12).

A done snapshot never changes, so a response derived from it is rendered once per (snapshot, the
reader's roles, normalised query, format) into Django's cache (settings.CACHES: files embedded, Redis
in compose) and served after ONE query (networks.selectors.snapshot_reader) that finds the token's or
the session's user, their roles in the network and its current snapshot id. Responses that also show
live rows (member names, ties, suggestion answers) add those rows' latest change to the key, so they
are never staler than the uncached answer. Each answer carries an ETag and Last-Modified; a client
sending the ETag back in If-None-Match gets 304.

Only the plain case takes this path: GET or HEAD, a token or session from Django's and DRF's own
authentication, a reader who may see the network. Anything else (no credentials, an outsider, a
bad token, a browsable-API request, in-process tasks that may still have a snapshot to compute) goes
the usual way, which answers 401/404 and renders exactly as before.
"""

import gzip
import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare
from django.utils.http import http_date, parse_etags

from networks.selectors import SnapshotReader, snapshot_reader
from weaver.celery import app as celery_app

log = logging.getLogger(__name__)

KEY_VERSION = 1
COMPRESS_FROM = 1024  # bytes; smaller bodies are stored as they are
STREAM_FROM = 256 * 1024  # compressed bytes; larger bodies are unpacked as they are sent
STREAM_CHUNK = 64 * 1024
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


@dataclass
class CachedRead:
    reader: SnapshotReader
    key: str
    etag: str

    def answer(self, request) -> HttpResponse | None:
        """304, or the stored bytes, or None when they are still to be rendered."""
        if self.etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
            return self._headed(HttpResponseNotModified())
        try:
            stored = cache.get(self.key)
        except Exception:  # the cache is a shortcut: down, the answer is rendered as if never kept
            log.warning("cache unreachable; rendering %s", self.key, exc_info=True)
            return None
        if stored is None:
            return None
        return self._headed(_from_stored(request, stored))

    def keep(self, request, response: HttpResponse) -> HttpResponse:
        """Store a rendered 200 answer and give it the cache headers; other answers pass as they are."""
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()
        body = response.content
        packed = len(body) >= COMPRESS_FROM
        stored = {
            "headers": {name: response[name] for name in KEPT_HEADERS if name in response},
            "gzip": packed,
            "body": gzip.compress(body, compresslevel=6, mtime=0) if packed else body,
        }
        try:
            cache.set(self.key, stored, settings.WEAVER_READ_CACHE_SECONDS)
        except Exception:
            log.warning("cache unreachable; %s not kept", self.key, exc_info=True)
        return self._headed(response)

    def _headed(self, response: HttpResponse) -> HttpResponse:
        response["ETag"] = self.etag
        if self.reader.finished_at is not None:
            response["Last-Modified"] = http_date(self.reader.finished_at.timestamp())
        # Private: the answer depends on who asks. no-cache: check the ETag every time (cheap).
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Authorization", "Cookie", "Accept", "Accept-Encoding"))
        return response


def _from_stored(request, stored: dict) -> HttpResponse:
    body = stored["body"]
    if not stored["gzip"]:
        response = HttpResponse(body)
    elif "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", ""):
        response = HttpResponse(body)
        response["Content-Encoding"] = "gzip"
    elif len(body) < STREAM_FROM:
        response = HttpResponse(gzip.decompress(body))
    else:
        response = StreamingHttpResponse(_unpacked(body))
    for name, value in stored["headers"].items():
        response[name] = value
    return response


def _unpacked(body: bytes):
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as unpacking:
        while chunk := unpacking.read(STREAM_CHUNK):
            yield chunk


def _credentials(request) -> dict | None:
    """The token key, or the session's user id (one query: the session), as Django and DRF read them."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if header:
        if len(header) == 2 and header[0].lower() == "token":
            return {"token_key": header[1]}
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    session = request.session
    if session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        return {"user_id": int(session[SESSION_KEY])}
    except (KeyError, TypeError, ValueError):
        return None


def _session_still_valid(request, user) -> bool:
    # django.contrib.auth.get_user's check: a password change ends the other sessions. Anything it would
    # do more (a hash made with an old SECRET_KEY to upgrade) is left to the usual path.
    stored = request.session.get(HASH_SESSION_KEY)
    return bool(stored) and constant_time_compare(stored, user.get_session_auth_hash())


def normalised_query(request, allowed: frozenset[str]) -> str | None:
    """The query string in one order, or None when it holds a parameter the answer does not read."""
    pairs = sorted((key, value) for key, values in request.GET.lists() for value in values)
    if any(key not in allowed for key, _ in pairs):
        return None
    return "&".join(f"{key}={value}" for key, value in pairs)


def cached_read(
    request,
    *,
    slug: str,
    name: str,
    query: str,
    snapshot_id: int | None = None,
    live: bool = False,
    decisions: bool = False,
) -> CachedRead | None:
    """The cached read of response `name` for this request, or None when it must go the usual way."""
    if request.method not in ("GET", "HEAD") or celery_app.conf.task_always_eager:
        # In-process, the usual path first computes a snapshot whose debounce has passed.
        return None
    credentials = _credentials(request)
    if credentials is None:
        return None
    reader = snapshot_reader(
        slug=slug, snapshot_id=snapshot_id, live=live, decisions=decisions, **credentials
    )
    if reader is None or not reader.may_read or reader.snapshot_id is None:
        return None
    if "user_id" in credentials:
        if not _session_still_valid(request, reader.user):
            return None
        request._cached_user = reader.user  # what AuthenticationMiddleware's lazy user would load
    audience = "superuser" if reader.user.is_superuser else ",".join(sorted(reader.roles))
    finished = reader.finished_at.isoformat() if isinstance(reader.finished_at, datetime) else ""
    parts = [KEY_VERSION, name, reader.network.pk, reader.snapshot_id, finished, audience, reader.versions]
    parts += [request.scheme, request.get_host(), query]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return CachedRead(reader=reader, key=f"weaver:read:{digest}", etag=f'"{digest[:40]}"')
