"""The project's own rows: tasks whose sending failed after their data was committed."""

from django.db import models
from django.utils import timezone


class UnsentTask(models.Model):
    """A Celery task that could not be sent (the broker was down) once its transaction committed.

    Kept so that nothing is lost: `weaver.tasks.resend_unsent_tasks` sends it again once the broker
    answers. Sent rows stay a week, so the admin shows how often sending failed.
    """

    name = models.CharField(max_length=200, help_text="The task's registered name.")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    eta = models.DateTimeField(default=timezone.now, help_text="Not to run before this (its countdown).")
    error = models.TextField(blank=True, help_text="Why the last attempt to send it failed.")
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="unsent_task_waiting")
        ]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)} ({'sent' if self.sent_at else 'waiting'})"
