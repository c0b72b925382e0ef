import socket

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ping(token: str) -> dict:
    """Echo the token with the worker's host name: proves a worker round trip (at least once)."""
    return {"token": token, "host": socket.gethostname()}
