"""The Celery app. Periodic jobs are listed here, in code (not in the database)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weaver.settings")

app = Celery("weaver")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job, in one place.
app.conf.beat_schedule = {
    "weaver-resend-unsent-tasks": {
        "task": "weaver.tasks.resend_unsent_tasks",
        "schedule": 60.0,
    },
    "networks-reconcile-snapshots": {
        "task": "networks.tasks.reconcile_snapshots",
        "schedule": 60.0,
    },
    "networks-reconcile-imports": {
        "task": "networks.tasks.reconcile_imports",
        "schedule": 60.0,
    },
    "networks-nightly-snapshots": {
        "task": "networks.tasks.nightly_snapshots",
        "schedule": crontab(hour=2, minute=30),
    },
    "celery-results-cleanup": {
        "task": "celery.backend_cleanup",
        "schedule": crontab(hour=4, minute=0),
    },
    "surveys-reminders": {
        "task": "surveys.tasks.survey_reminders_due",
        "schedule": crontab(minute=15),
    },
    "funds-review-reminders": {
        "task": "funds.tasks.review_reminders_due",
        "schedule": crontab(hour=8, minute=0),
    },
}
