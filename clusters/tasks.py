from celery import shared_task

from clusters.models import ClusterSession
from clusters.services import session_invitations_deliver


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_session_invitations(session_id: int) -> int:
    """Email a session's invitations to those not yet invited to this version (at least once, idempotent)."""
    session = ClusterSession.objects.select_related("cluster__network").filter(pk=session_id).first()
    if session is None:
        return 0
    return session_invitations_deliver(session=session)
