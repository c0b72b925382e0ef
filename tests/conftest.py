"""Shared fixtures: the personas alice (coordinator), bob (member) and charlie (outsider).

With WEAVER_REQUIRE_SERVICES=1 (set by .ci/run) the suite refuses to run on SQLite and tests
marked `services` fail instead of skipping when PostgreSQL or Redis is missing.
"""

import os

import pytest
from django.conf import settings

from networks.models import Role
from tests.factories import NetworkFactory, RoleFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("WEAVER_REQUIRE_SERVICES") == "1"


def services_missing() -> str | None:
    """Why the real-services tests cannot run here, or None when PostgreSQL and Redis are configured."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs DATABASE_URL pointing at PostgreSQL"
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return "needs CELERY_BROKER_URL pointing at Redis"
    return None


def pytest_configure(config):
    reason = services_missing()
    if REQUIRE_SERVICES and reason:
        raise pytest.UsageError(f"WEAVER_REQUIRE_SERVICES=1: the suite {reason}")


def pytest_collection_modifyitems(config, items):
    reason = services_missing()
    if reason is None:
        return
    for item in items:
        if "services" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def network(db):
    return NetworkFactory(name="Healthy Valleys", slug="healthy-valleys")


@pytest.fixture
def other_network(db):
    return NetworkFactory(name="Elsewhere", slug="elsewhere")


@pytest.fixture
def alice(network):
    user = UserFactory(username="alice")
    RoleFactory(network=network, user=user, role=Role.COORDINATOR)
    return user


@pytest.fixture
def bob(network):
    user = UserFactory(username="bob")
    RoleFactory(network=network, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def charlie(other_network):
    user = UserFactory(username="charlie")
    RoleFactory(network=other_network, user=user, role=Role.COORDINATOR)
    return user


@pytest.fixture(autouse=True)
def _celery_eager_by_default(settings):
    """Unit tests run tasks in-process; tests of real workers start their own (tests/workers.py)."""
    from weaver.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def real_broker(_celery_eager_by_default):
    """Send tasks to the configured broker (Redis in CI) instead of running them in-process."""
    from weaver.celery import app

    app.conf.task_always_eager = False
    yield app


@pytest.fixture
def broker_down(real_broker):
    """Tasks are sent to a broker that does not answer (a closed port): every send fails."""
    from tests.brokers import broker_at, free_port

    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):
        yield


@pytest.fixture
def private_redis(real_broker, tmp_path):
    """A redis-server of this test's own, which it may stop and start; tasks are sent there."""
    from tests.brokers import PrivateRedis, broker_at

    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with broker_at(redis.url):
            yield redis
    finally:
        redis.stop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing a password the production way takes ~0.3 s; tests log in often."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Each test starts with an empty cache in memory: snapshot ids repeat from one test to the next."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture(autouse=True)
def _roomy_request_limits(settings):
    """Tests send many requests from one address: counts start at zero and the limits are high.

    Tests of the limits themselves lower them (tests/weaver/test_throttling.py).
    """
    from django.core.cache import cache

    cache.clear()
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
