"""Point the Celery app at a broker that is down, or at a private redis-server a test stops and starts."""

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from weaver.celery import app


def free_port() -> int:
    """A TCP port nothing listens on (free when asked; nobody else starts servers on it here)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_pools() -> None:
    # Celery keeps its connection and producer pools for the URL it first used; kombu shares pools between
    # equal connections, so the old ones are dropped, not closed.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str):
    """Send this process's tasks to `url` until the block ends."""
    # The write and read URLs, because CELERY_BROKER_URL in the environment outranks conf.broker_url.
    previous = app.conf.broker_write_url, app.conf.broker_read_url
    app.conf.broker_write_url = app.conf.broker_read_url = url
    _reset_pools()
    try:
        yield url
    finally:
        app.conf.broker_write_url, app.conf.broker_read_url = previous
        _reset_pools()


class PrivateRedis:
    """A redis-server of the test's own on a spare port, not persisting: stop() is the broker going down."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def assert_answered_and_kept(response, *, sends: str | None, before: set[int]) -> None:
    """The write answered 2xx/3xx; the task it sends, if any, was kept to send again (the broker was down)."""
    from weaver.models import UnsentTask

    assert response.status_code < 400, response.content[:500]
    kept = UnsentTask.objects.exclude(pk__in=before)
    if sends is None:
        assert not kept.exists()
    else:
        row = kept.get(name=sends)
        assert row.sent_at is None and "Error" in row.error
