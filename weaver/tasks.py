import socket

from celery import shared_task

from weaver.lib.enqueue import unsent_tasks_resend


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ping(token: str) -> dict:
    """Echo the token with the worker's host name: proves a worker round trip (at least once)."""
    return {"token": token, "host": socket.gethostname()}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def resend_unsent_tasks() -> int:
    """Send again the tasks whose sending failed after commit; at least once, harmless to repeat."""
    return unsent_tasks_resend()
